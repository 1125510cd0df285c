import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pypdfium2 as pdfium
import pytest
import zxingcpp
from PIL import Image

from qr.__main__ import main

ROOT = Path(__file__).resolve().parents[2]
URL = "https://sl.example.cn/s/K7M2QX"
POSTER = ["poster", "--url", URL, "--code", "K7M2QX", "--title", "黄庄村协商议事室",
          "--unit-path", "龙冈镇 · 黄庄村", "--contact", "联系电话：0515-88888888"]


def decode(img: Image.Image) -> list[str]:
    return [b.text for b in zxingcpp.read_barcodes(img)]


def test_png_and_svg(tmp_path: Path) -> None:
    assert main(["png", URL, "--size", "300", "-o", str(tmp_path / "a.png")]) == 0
    img = Image.open(tmp_path / "a.png")
    assert img.size == (300, 300) and decode(img) == [URL]
    assert main(["svg", URL, "-o", str(tmp_path / "a.svg")]) == 0
    assert (tmp_path / "a.svg").read_text().startswith("<svg")


def test_poster_pdf_with_bleed_and_png(tmp_path: Path) -> None:
    out = tmp_path / "p.pdf"
    assert main([*POSTER, "--size", "A5", "--bleed", "3", "--crop-marks", "-o", str(out)]) == 0
    page = pdfium.PdfDocument(out.read_bytes())[0]
    assert decode(page.render(scale=2).to_pil()) == [URL, URL]
    out = tmp_path / "p.png"
    assert main([*POSTER, "--format", "png", "--dpi", "90", "-o", str(out)]) == 0
    assert decode(Image.open(out)) == [URL]


def test_batch_pdf_and_zip(tmp_path: Path) -> None:
    specs = [
        {"url": f"https://sl.example.cn/s/AAA00{i}", "code": f"AAA00{i}",
         "title": f"第{i}村协商议事室", "unit_path": f"龙冈镇 · 第{i}村", "contact": ""}
        for i in range(3)
    ]
    specs.append({"url": "https://sl.example.cn/m/MEET01", "code": "MEET01", "kind": "meeting",
                  "title": "道路拓宽协商会", "unit_path": "龙冈镇"})
    path = tmp_path / "specs.json"
    path.write_text(json.dumps(specs, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "all.pdf"
    assert main(["batch", "--json", str(path), "-o", str(out)]) == 0
    assert len(pdfium.PdfDocument(out.read_bytes())) == 4
    out = tmp_path / "all.zip"
    assert main(["batch", "--json", str(path), "--zip", "--dpi", "60", "-o", str(out)]) == 0
    with zipfile.ZipFile(out) as zf:
        assert len(zf.namelist()) == 4
        assert decode(Image.open(io.BytesIO(zf.read("龙冈镇-MEET01.png")))) == [specs[3]["url"]]


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["poster", "--url", URL], "参数错误 / bad arguments"),
        ([*POSTER, "--size", "B5", "-o", "x.pdf"], "参数错误 / bad arguments"),
        ([*POSTER, "--font", "/nonexistent/font.ttc", "-o", "x.pdf"], "fonts-wqy-microhei"),
        ([*POSTER, "--bleed", "30", "-o", "x.pdf"], "bleed"),
        (["png", URL, "--size", "5", "-o", "x.png"], "--size"),
        (["batch", "--json", "/nonexistent.json", "-o", "x.pdf"], "cannot read"),
        (["batch", "--json", "{bad}", "-o", "x.pdf"], "cannot read"),
    ],
)
def test_bad_input_exits_2_with_one_line(
    argv: list[str], needle: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exit_:
        sys.exit(main(argv))
    assert exit_.value.code == 2
    err = capsys.readouterr().err.strip()
    assert needle in err and "\n" not in err
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize(
    ("content", "needle"),
    [("not json", "JSON"), ("[]", "non-empty"), ('[{"url": "u"}]', "item 1"),
     ('[{"url": "u", "code": "c", "title": "t", "unit_path": "p", "colour": 1}]', "colour"),
     ('[{"url": "u", "code": "c", "title": "t", "unit_path": "p", "kind": "x"}]', "kind")],
)
def test_bad_batch_json(content: str, needle: str, tmp_path: Path,
                        capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "specs.json"
    path.write_text(content, encoding="utf-8")
    assert main(["batch", "--json", str(path), "-o", str(tmp_path / "x.pdf")]) == 2
    err = capsys.readouterr().err.strip()
    assert needle in err and "\n" not in err


def test_module_runs_and_never_imports_flask_or_server() -> None:
    code = ("import sys, runpy; sys.argv = ['qr', '--help']\n"
            "try:\n    runpy.run_module('qr', run_name='__main__')\n"
            "except SystemExit:\n    pass\n"
            "import qr.batch, qr.posters, qr.scene\n"
            "bad = [m for m in sys.modules if m.split('.')[0] in ('flask', 'server')]\n"
            "assert not bad, bad\n")
    done = subprocess.run([sys.executable, "-W", "error", "-c", code], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "poster" in done.stdout
