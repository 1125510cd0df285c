"""Write server/people/data/common_passwords.txt: passwords too common to allow.

Sources, all public and all re-typed here (no list file is copied): the yearly "worst
passwords" lists that SplashData and NordPass publish, the top of the 2011 CSDN leak as the
Chinese press printed it, and the patterns Chinese users are known to favour (number runs,
lucky numbers 520 / 1314 / 888, keyboard walks, pinyin surnames and "我爱你" with digits,
years). Only entries of 10 characters or more are kept: the policy refuses anything shorter
anyway. Run: .venv/bin/python scripts/make_common_passwords.py
"""

from __future__ import annotations

from itertools import product
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "server" / "people" / "data" / \
    "common_passwords.txt"
MIN_LENGTH = 10

# Re-typed from the published top lists (global and Chinese); short ones are extended below.
KNOWN = """
123456 123456789 12345678 1234567890 password qwerty 111111 123123 1234567 qwerty123
000000 1q2w3e 1q2w3e4r 1q2w3e4r5t 1q2w3e4r5t6y qwertyuiop iloveyou abc123 password1
987654321 123321 654321 666666 888888 7777777 1qaz2wsx 1qaz2wsx3edc qazwsx qazwsxedc
zxcvbnm asdfghjkl asdfghjkl; qweasdzxc qweasd 1qazxsw2 zaq12wsx zaq1zaq1 q1w2e3r4
q1w2e3r4t5 a1b2c3d4 a1s2d3f4 aa123456 a123456 a12345678 a123456789 123456a 123456789a
1234567890a 1234qwer 12345qwert 123qwe 123qweasd 123qweasdzxc qwe123 qwe123456
qwe123456789 asd123 asd123456 zxc123 zxc123456 abc123456 abc123456789 abcd1234 abcd123456
abcdefg abcdefgh abcdefghij abcdefghijk admin admin123 admin123456 admin888 administrator
root root123 root123456 test test123 test123456 guest welcome welcome1 welcome123
letmein monkey dragon sunshine princess football baseball master shadow superman
trustno1 starwars passw0rd p@ssw0rd p@ssword password123 password1234 password12345
iloveyou1 iloveyou123 iloveyou1314 iloveyou520 woaini woaini1314 woaini520 woaini521
woaini123 woaini1234 woaini123456 woaini5201314 woaiwojia woaiwojia123 wodemima
wodemima123 mima123456 5201314 1314520 1314521 5211314 520520 521521 1314 520 woshishui
dearbook xiazhili 11223344 112233 123654789 147258369 159357 159753 741852963 789456123
789456 456123 147258 258369 369258147 123456987 987654 321321 12344321 1234554321
31415926 3141592653 110110 110110110 119119 120120 12121212 1212121212 13131313
asdasdasd qqqqqqqq wwwwwwww aaaaaaaa zzzzzzzz 1a2b3c4d qq123456 qq123456789 qq5201314
woainima nihao nihao123 nihao123456 hello123 hello123456 helloworld china china123
zhongguo zhongguo123 beijing beijing2008 shanghai 88888888 66666666 99999999 00000000
11111111 22222222 aini1314 aini520 loveyou lovelove 1314woaini 520woaini
jiayou jiayou123 fuck you yangyang wangwang xiaoxiao tiantian 5201314a 5201314520
a5201314 w5201314 wo5201314 yu5201314 abc5201314 qwertyui qwertyuio asdfghjk
zxcvbnm123 1234abcd 1234qwerasdf 12qwaszx 1qaz2wsx3edc4rfv !qaz2wsx !qaz@wsx
1qaz@wsx 1qaz!qaz qazwsx123 qazwsx123456 123456789q q123456789 123456789z z123456789
123456789. 123456789.. 1234567890q 0123456789 0987654321 9876543210 1029384756
13800138000 15888888888 18888888888 13888888888 13666666666 shangliang shangliang-demo
youshihaoshangliang zhengxie zhengxie123 yandu yancheng gongzuo gongzuo123
""".split()

SURNAMES = """
wang li zhang liu chen yang huang zhao wu zhou xu sun ma zhu hu guo he gao lin luo
zheng liang xie song tang han feng deng cao peng zeng xiao tian dong yuan pan cai jiang
yu du ye cheng wei su lu ding ren shen yao jin fu shi
""".split()

WORDS = """
password iloveyou woaini admin qwerty abc abcd zxc asd qwe aini wodemima mima love
hello nihao china zhongguo monkey dragon master sunshine princess welcome shangliang
zhengxie wangluo baobao beibei lovely xiaoming xiaohong tianshi
""".split()

SUFFIXES = """
123456 1234567 12345678 123456789 1234567890 1314 5201314 1314520 520520 888888 666666
888 666 520 521 123 1234 12345 000000 111111 2008 2010 2012 2018 2020 2022 2024 2025
2026 @123 @123456 !@# !@#$ .com 1988 1989 1990 1991 1992 1993 1994 1995 1996 1997 1998
1999 2000
""".split()


def runs() -> set[str]:
    """Number runs, repeats and keyboard rows of every length from 10 to 14."""
    found: set[str] = set()
    digits = "01234567890123456789"
    for length in range(MIN_LENGTH, 15):
        for start in range(10):
            found.add(digits[start:start + length])
            found.add(digits[start:start + length][::-1])
        for char in "0123456789abcdefghijklmnopqrstuvwxyz":
            found.add(char * length)
    for pattern in ["12", "123", "1234", "520", "521", "1314", "5201314", "abc", "qwe",
                    "asd", "zxc", "aa", "ab", "a1", "1a", "qq", "147", "258", "369", "110",
                    "119", "666", "888", "168", "518", "1688"]:
        text = pattern
        while len(text) < 16:
            text += pattern
            found.add(text)
    rows = ["qwertyuiop", "asdfghjkl", "zxcvbnm", "1234567890", "qazwsxedcrfvtgb",
            "1qaz2wsx3edc4rfv", "q1w2e3r4t5y6u7i8o9p0", "1q2w3e4r5t6y7u8i9o0p",
            "qweasdzxc", "zaq1xsw2cde3", "!qaz@wsx#edc", "poiuytrewq", "lkjhgfdsa",
            "mnbvcxz"]
    for row in rows:
        for length in range(MIN_LENGTH, len(row) + 1):
            found.add(row[:length])
        for suffix in ["1", "12", "123", "1234", "123456", "!", "!@#"]:
            found.add(row + suffix)
    return found


def combos() -> set[str]:
    """Names and words with the digits people put after them, both ways round."""
    found: set[str] = set()
    for stem, suffix in product(SURNAMES + WORDS, SUFFIXES):
        found.add(stem + suffix)
        if suffix.isdigit():
            found.add(suffix + stem)
    for first, second in product(SURNAMES[:20], SURNAMES[:20]):
        # Two-syllable given names typed in pinyin with a lucky number (wangwei1314).
        for suffix in ["123", "520", "1314", "888"]:
            found.add(first + second + suffix)
    for word in KNOWN:
        for suffix in ["", "1", "12", "123", "1234", "12345", "123456", "!", "@", ".", "520",
                       "1314", "888", "666", "2024", "2025", "2026"]:
            found.add(word + suffix)
        found.add(word + word)
        found.add(word.capitalize() + "@123")
        found.add(word.capitalize() + "123!")
    for year in range(1950, 2031):
        for stem in ["woaini", "iloveyou", "aini", "qwerty", "abc", "password", "admin", "love"]:
            found.add(stem + str(year))
            found.add(str(year) + stem)
    return found


def main() -> None:
    """Write the list, lower-cased, sorted, one a line, with its provenance on top."""
    words = {w.lower() for w in runs() | combos() | set(KNOWN)}
    kept = sorted(w for w in words if len(w) >= MIN_LENGTH)
    header = [
        "# Passwords too common to allow (compared lower-cased; entries of 10+ characters,",
        "# since the policy refuses shorter ones anyway). Made by scripts/make_common_passwords.py",
        "# from the published SplashData / NordPass yearly lists, the 2011 CSDN leak's top as",
        "# printed by the Chinese press, and Chinese patterns (5201314, woaini…, pinyin + digits).",
    ]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("\n".join(header + kept) + "\n", encoding="utf-8")
    print(f"wrote {len(kept)} passwords to {OUT}")


if __name__ == "__main__":
    main()
