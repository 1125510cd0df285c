"""QR codes and printable posters for consultation rooms: a plain library and CLI.

Nothing here imports flask or ``server``: data in, image or PDF out, so the web app, the
CLI and batch jobs share one implementation.
"""

from qr.codes import draw_qr, meeting_url, qr_matrix, render_png, render_svg, site_url
from qr.fonts import FontNotFoundError, FontRef, find_cjk_font, register_font
from qr.scene import build_scene, parse_scene

__all__ = [
    "FontNotFoundError",
    "FontRef",
    "build_scene",
    "draw_qr",
    "find_cjk_font",
    "meeting_url",
    "parse_scene",
    "qr_matrix",
    "register_font",
    "render_png",
    "render_svg",
    "site_url",
]
