"""Charts for the case circulation (matplotlib, PNG bytes), with a CJK font found wherever the system keeps one.

Finding the font: POLICYLINT_CJK_FONT (a font file) first, then the families matplotlib already knows, then the
usual font files of Linux, macOS and Windows, then fontconfig. Without any CJK font the charts are still drawn
(labels may show boxes) and one warning goes to stderr: a missing font must never stop a report.
"""
from __future__ import annotations

import functools
import io
import os
import sys
import warnings
from pathlib import Path

PREFERRED_FAMILIES = ["Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN", "WenQuanYi Zen Hei",
                      "WenQuanYi Micro Hei", "Microsoft YaHei", "SimHei", "PingFang SC", "Heiti SC", "STHeiti",
                      "Noto Serif CJK SC", "Source Han Serif SC", "SimSun", "AR PL UMing CN", "Droid Sans Fallback"]
CANDIDATE_FILES = [
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc", "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/wqy-zenhei/wqy-zenhei.ttc", "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/System/Library/Fonts/PingFang.ttc", "/System/Library/Fonts/STHeiti Light.ttc", "/Library/Fonts/Arial Unicode.ttf",
    "C:/Windows/Fonts/msyh.ttc", "C:/Windows/Fonts/simhei.ttf", "C:/Windows/Fonts/simsun.ttc",
]
_PROBE = "通报案例地区"

# colours that print well in black and white as well as in colour
PALETTE = ["#1f4e79", "#c0504d", "#9bbb59", "#8064a2", "#f79646", "#4bacc6", "#7f7f7f", "#d4a017", "#2e8b57", "#a52a2a"]


def _has_glyphs(path: str) -> bool:
    try:
        from matplotlib.ft2font import FT2Font

        font = FT2Font(path)
        cmap = font.get_charmap()
        return all(ord(ch) in cmap for ch in _PROBE)
    except Exception:  # an unreadable or odd font file is simply not a candidate
        return False


def _fc_list() -> list[str]:
    import shutil
    import subprocess

    if not shutil.which("fc-list"):
        return []
    try:
        out = subprocess.run(["fc-list", ":lang=zh", "file"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return sorted({line.split(":")[0].strip() for line in out.splitlines() if line.strip()},
                  key=lambda p: ("Sans" not in p and "Hei" not in p.title(), p))


@functools.lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The family name of a CJK font matplotlib can use, or None (and a warning) when the system has none."""
    from matplotlib import font_manager

    def use(path: str) -> str | None:
        try:
            font_manager.fontManager.addfont(path)
            return font_manager.FontProperties(fname=path).get_name()
        except Exception:
            return None

    env = os.environ.get("POLICYLINT_CJK_FONT")
    if env and Path(env).is_file() and _has_glyphs(env):
        name = use(env)
        if name:
            return name
    known = {f.name: f.fname for f in font_manager.fontManager.ttflist}
    for fam in PREFERRED_FAMILIES:
        if fam in known and _has_glyphs(known[fam]):
            return fam
    for path in CANDIDATE_FILES + _fc_list():
        if Path(path).is_file() and _has_glyphs(path):
            name = use(path)
            if name:
                return name
    print("提示：未找到中文字体，图表中的中文可能显示为方框（可安装 fonts-noto-cjk，或设置环境变量 "
          "POLICYLINT_CJK_FONT 指向字体文件）", file=sys.stderr)
    return None


def _figure(width: float = 6.4, height: float = 3.4):
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    font = cjk_font()
    rc = {"font.size": 9, "axes.unicode_minus": False, "axes.spines.top": False, "axes.spines.right": False}
    if font:
        rc["font.family"] = [font, "DejaVu Sans"]
    plt.rcParams.update(rc)
    fig, ax = plt.subplots(figsize=(width, height), dpi=150)
    return plt, fig, ax


def _png(plt, fig) -> bytes:
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # "Glyph missing" when falling back without a CJK font
        fig.tight_layout()
        fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


def bar(labels: list[str], series: dict[str, list[float]], title: str, horizontal: bool = False,
        ylabel: str = "件数") -> bytes:
    """Grouped bars: one group per label, one bar per series (e.g. 本季度 / 上季度)."""
    plt, fig, ax = _figure(6.4, max(3.0, 0.32 * len(labels) + 1.2) if horizontal else 3.4)
    n = max(len(series), 1)
    width = 0.8 / n
    idx = list(range(len(labels)))
    for k, (name, values) in enumerate(series.items()):
        pos = [i - 0.4 + width * (k + 0.5) for i in idx]
        bars = (ax.barh if horizontal else ax.bar)(pos, values, width * 0.95, label=name, color=PALETTE[k % 10])
        ax.bar_label(bars, fmt="%g", fontsize=7, padding=1)
    if horizontal:
        ax.set_yticks(idx, labels)
        ax.invert_yaxis()
        ax.set_xlabel(ylabel)
    else:
        ax.set_xticks(idx, labels, rotation=30 if max((len(x) for x in labels), default=0) > 4 else 0,
                      ha="right" if max((len(x) for x in labels), default=0) > 4 else "center")
        ax.set_ylabel(ylabel)
    ax.set_title(title)
    if len(series) > 1:
        ax.legend(frameon=False)
    return _png(plt, fig)


def stacked(labels: list[str], parts: dict[str, list[float]], title: str) -> bytes:
    """Horizontal stacked bars: e.g. rectification status per region."""
    plt, fig, ax = _figure(6.4, max(3.0, 0.32 * len(labels) + 1.2))
    left = [0.0] * len(labels)
    for k, (name, values) in enumerate(parts.items()):
        ax.barh(labels, values, left=left, label=name, color=PALETTE[k % 10])
        left = [a + b for a, b in zip(left, values)]
    ax.invert_yaxis()
    ax.set_xlabel("件数")
    ax.set_title(title)
    ax.legend(frameon=False, ncol=len(parts), loc="lower right", fontsize=7)
    return _png(plt, fig)


def pie(labels: list[str], values: list[float], title: str) -> bytes:
    plt, fig, ax = _figure(6.4, 3.4)
    pairs = [(lab, v) for lab, v in zip(labels, values) if v]
    if not pairs:
        pairs = [("无", 1)]
    ax.pie([v for _, v in pairs], labels=[f"{lab} {v:g}" for lab, v in pairs], colors=PALETTE[:len(pairs)],
           startangle=90, counterclock=False, wedgeprops={"width": 0.45, "edgecolor": "white"}, textprops={"fontsize": 8})
    ax.set_title(title)
    ax.axis("equal")
    return _png(plt, fig)
