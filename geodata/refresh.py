"""Regenerate the offline base layers in geodata/base/ from their sources.

    python -m geodata.refresh /tmp/world-atlas-2.0.2.tgz \
        [--admin1 /usr/share/qgis/resources/data/world_map.gpkg] [--out DIR]

Sources: the npm package world-atlas 2.0.2 (Natural Earth 10m v4.1.0 land and
countries as TopoJSON, read with GDAL's TopoJSON driver) and Debian's qgis-common
world_map.gpkg (Natural Earth 10m admin-1 v4.1.0, generalised by QGIS).
Output is byte-identical for identical inputs; see geodata/README.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import lzma
import re
import sys
import tempfile
import tomllib
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import shapely

from . import files

HERE = Path(__file__).resolve().parent
OUT = HERE / "base"
DISTRICTS_TOML = HERE / "layers" / "military_districts.toml"
EXT = ".fgb.xz"
WGS84 = "EPSG:4326"
EQUAL_AREA = "EPSG:6933"  # WGS 84 / NSIDC EASE-Grid 2.0 Global (cylindrical equal-area)
SEAM = 180.0

# Natural Earth admin-1 (gn_name) -> ISO 3166-2 code and English name. Russia and Japan only.
# Crimea and Sevastopol are attributed to RUS by Natural Earth v4.1.0; ISO 3166-2 codes them UA-43/UA-40.
ADMIN1_ISO = """
Respublika Adygeya|RU-AD|Adygea
Respublika Altay|RU-AL|Altai Republic
Respublika Bashkortostan|RU-BA|Bashkortostan
Respublika Buryatiya|RU-BU|Buryatia
Respublika Dagestan|RU-DA|Dagestan
Respublika Ingushetiya|RU-IN|Ingushetia
Kabardino-Balkarskaya Respublika|RU-KB|Kabardino-Balkaria
Respublika Kalmykiya|RU-KL|Kalmykia
Karachayevo-Cherkesskaya Respublika|RU-KC|Karachay-Cherkessia
Respublika Kareliya|RU-KR|Karelia
Respublika Komi|RU-KO|Komi
Respublika Mariy-El|RU-ME|Mari El
Respublika Mordoviya|RU-MO|Mordovia
Respublika Sakha (Yakutiya)|RU-SA|Sakha (Yakutia)
North Ossetia|RU-SE|North Ossetia-Alania
Respublika Tatarstan|RU-TA|Tatarstan
Respublika Tyva|RU-TY|Tuva
Udmurtskaya Respublika|RU-UD|Udmurtia
Respublika Khakasiya|RU-KK|Khakassia
Chechenskaya Respublika|RU-CE|Chechnya
Chuvashskaya Respublika|RU-CU|Chuvashia
Altayskiy Kray|RU-ALT|Altai Krai
Zabaykal'skiy Kray|RU-ZAB|Zabaykalsky Krai
Kamtchatski Kray|RU-KAM|Kamchatka Krai
Krasnodarskiy Kray|RU-KDA|Krasnodar Krai
Krasnoyarskiy Kray|RU-KYA|Krasnoyarsk Krai
Perm Krai|RU-PER|Perm Krai
Primorskiy Kray|RU-PRI|Primorsky Krai
Stavropol'skiy Kray|RU-STA|Stavropol Krai
Khabarovskiy Kray|RU-KHA|Khabarovsk Krai
Amurskaya Oblast'|RU-AMU|Amur Oblast
Arkhangel'skaya Oblast'|RU-ARK|Arkhangelsk Oblast
Astrakhanskaya Oblast'|RU-AST|Astrakhan Oblast
Belgorodskaya Oblast'|RU-BEL|Belgorod Oblast
Bryanskaya Oblast'|RU-BRY|Bryansk Oblast
Vladimirskaya Oblast'|RU-VLA|Vladimir Oblast
Volgogradskaya Oblast'|RU-VGG|Volgograd Oblast
Vologodskaya Oblast'|RU-VLG|Vologda Oblast
Voronezhskaya Oblast'|RU-VOR|Voronezh Oblast
Ivanovskaya Oblast'|RU-IVA|Ivanovo Oblast
Irkutskaya Oblast'|RU-IRK|Irkutsk Oblast
Kaliningradskaya Oblast'|RU-KGD|Kaliningrad Oblast
Kaluzhskaya Oblast'|RU-KLU|Kaluga Oblast
Kemerovskaya Oblast'|RU-KEM|Kemerovo Oblast
Kirovskaya Oblast'|RU-KIR|Kirov Oblast
Kostromskaya Oblast'|RU-KOS|Kostroma Oblast
Kurganskaya Oblast'|RU-KGN|Kurgan Oblast
Kurskaya Oblast'|RU-KRS|Kursk Oblast
Leningradskaya Oblast'|RU-LEN|Leningrad Oblast
Lipetskaya Oblast'|RU-LIP|Lipetsk Oblast
Magadanskaya Oblast'|RU-MAG|Magadan Oblast
Moskovskaya Oblast'|RU-MOS|Moscow Oblast
Murmanskaya Oblast'|RU-MUR|Murmansk Oblast
Nizhegorodskaya Oblast'|RU-NIZ|Nizhny Novgorod Oblast
Novgorodskaya Oblast'|RU-NGR|Novgorod Oblast
Novosibirskaya Oblast'|RU-NVS|Novosibirsk Oblast
Omskaya Oblast'|RU-OMS|Omsk Oblast
Orenburgskaya Oblast'|RU-ORE|Orenburg Oblast
Orlovskaya Oblast'|RU-ORL|Oryol Oblast
Penzenskaya Oblast'|RU-PNZ|Penza Oblast
Pskovskaya Oblast'|RU-PSK|Pskov Oblast
Rostovskaya Oblast'|RU-ROS|Rostov Oblast
Ryazanskaya Oblast'|RU-RYA|Ryazan Oblast
Samarskaya Oblast'|RU-SAM|Samara Oblast
Saratovskaya Oblast'|RU-SAR|Saratov Oblast
Sakhalinskaya Oblast'|RU-SAK|Sakhalin Oblast
Sverdlovskaya Oblast'|RU-SVE|Sverdlovsk Oblast
Smolenskaya Oblast'|RU-SMO|Smolensk Oblast
Tambovskaya Oblast'|RU-TAM|Tambov Oblast
Tverskaya Oblast'|RU-TVE|Tver Oblast
Tomskaya Oblast'|RU-TOM|Tomsk Oblast
Tul'skaya Oblast'|RU-TUL|Tula Oblast
Tyumenskaya Oblast'|RU-TYU|Tyumen Oblast
Ul'yanovskaya Oblast'|RU-ULY|Ulyanovsk Oblast
Chelyabinskaya Oblast'|RU-CHE|Chelyabinsk Oblast
Yaroslavskaya Oblast'|RU-YAR|Yaroslavl Oblast
Moskva|RU-MOW|Moscow
Sankt-Peterburg|RU-SPE|Saint Petersburg
Yevreyskaya Avtonomnaya Oblast'|RU-YEV|Jewish Autonomous Oblast
Nenetskiy Avtonomnyy Okrug|RU-NEN|Nenets Autonomous Okrug
Khanty-Mansiyskiy Avtonomnyy Okrug|RU-KHM|Khanty-Mansi Autonomous Okrug
Chukotskiy Avtonomnyy Okrug|RU-CHU|Chukotka Autonomous Okrug
Yamalo-Nenetskiy Avtonomnyy Okrug|RU-YAN|Yamalo-Nenets Autonomous Okrug
Avtonomna Respublika Krym|UA-43|Crimea
Misto Sevastopol'|UA-40|Sevastopol
Hokkaido|JP-01|Hokkaido
Aomori-ken|JP-02|Aomori
Iwate-ken|JP-03|Iwate
Miyagi Ken|JP-04|Miyagi
Akita-ken|JP-05|Akita
Yamagata-ken|JP-06|Yamagata
Fukushima-ken|JP-07|Fukushima
Ibaraki-ken|JP-08|Ibaraki
Tochigi-ken|JP-09|Tochigi
Gunma-ken|JP-10|Gunma
Saitama-ken|JP-11|Saitama
Chiba-ken|JP-12|Chiba
Tokyo-to|JP-13|Tokyo
Kanagawa-ken|JP-14|Kanagawa
Niigata-ken|JP-15|Niigata
Toyama-ken|JP-16|Toyama
Ishikawa-ken|JP-17|Ishikawa
Fukui-ken|JP-18|Fukui
Yamanashi-ken|JP-19|Yamanashi
Nagano-ken|JP-20|Nagano
Gifu-ken|JP-21|Gifu
Shizuoka-ken|JP-22|Shizuoka
Aichi-ken|JP-23|Aichi
Mie-ken|JP-24|Mie
Shiga-ken|JP-25|Shiga
Kyoto-fu|JP-26|Kyoto
Osaka-fu|JP-27|Osaka
Hyogo-ken|JP-28|Hyogo
Nara-ken|JP-29|Nara
Wakayama-ken|JP-30|Wakayama
Tottori-ken|JP-31|Tottori
Shimane-ken|JP-32|Shimane
Okayama-ken|JP-33|Okayama
Hiroshima-ken|JP-34|Hiroshima
Yamaguchi-ken|JP-35|Yamaguchi
Tokushima-ken|JP-36|Tokushima
Kagawa-ken|JP-37|Kagawa
Ehime-ken|JP-38|Ehime
Kochi-ken|JP-39|Kochi
Fukuoka-ken|JP-40|Fukuoka
Saga-ken|JP-41|Saga
Nagasaki-ken|JP-42|Nagasaki
Kumamoto-ken|JP-43|Kumamoto
Oita-ken|JP-44|Oita
Miyazaki-ken|JP-45|Miyazaki
Kagoshima-ken|JP-46|Kagoshima
Okinawa-ken|JP-47|Okinawa
"""
ADMIN1_COUNTRIES = ("RUS", "JPN")


def _polygonal(geom):
    """Only the polygonal parts of geom, as a list of Polygons."""
    return [p for p in shapely.get_parts(shapely.get_parts(geom)) if p.geom_type == "Polygon" and not p.is_empty]


def _unwrap(ring):
    """Ring coordinates with longitude jumps > 180 deg removed (continuous across the seam)."""
    xy = np.asarray(ring.coords)
    jumps = np.concatenate([[0.0], -360.0 * np.round(np.diff(xy[:, 0]) / 360.0)])
    xy[:, 0] += np.cumsum(jumps)
    return xy


def unstitch(poly):
    """Split a polygon whose rings cross the antimeridian (world-atlas runs `geostitch`) at +-180.

    Returns valid Polygons with longitudes in [-180, 180]. A ring that winds around a pole
    (Antarctica) is closed along that pole.
    """
    shell = _unwrap(poly.exterior)
    if abs(shell[-1, 0] - shell[0, 0]) > 180:
        pole = -90.0 if shell[:, 1].mean() < 0 else 90.0
        shell = np.vstack([shell, [[shell[-1, 0], pole], [shell[0, 0], pole]], shell[:1]])
    mid = (shell[:, 0].min() + shell[:, 0].max()) / 2
    holes = []
    for ring in poly.interiors:
        h = _unwrap(ring)
        h[:, 0] += 360.0 * np.round((mid - h[:, 0].mean()) / 360.0)
        holes.append(h)
    geom = shapely.make_valid(shapely.Polygon(shell, holes), method="structure", keep_collapsed=False)
    if geom.is_empty:
        return []
    x0, _, x1, _ = geom.bounds
    if x0 >= -SEAM and x1 <= SEAM:
        return _polygonal(geom)
    out = []
    for k in range(int(np.floor((x0 + SEAM) / 360)), int(np.ceil((x1 + SEAM) / 360))):
        part = shapely.clip_by_rect(geom, -SEAM + 360 * k, -90, SEAM + 360 * k, 90)
        part = shapely.make_valid(shapely.transform(part, lambda c: c - [360.0 * k, 0]), method="structure")
        out += _polygonal(part)
    return out


def _clean(geom):
    """Valid, seam-split, oriented (CCW shells) MultiPolygon or None."""
    polys = [p for p in shapely.get_parts(geom) if p.geom_type == "Polygon" and not p.is_empty]
    parts = [q for p in polys for q in unstitch(p) if q.area > 0]
    if not parts:
        return None
    merged = shapely.MultiPolygon(parts)
    if not merged.is_valid:
        merged = shapely.MultiPolygon(_polygonal(shapely.make_valid(merged, method="structure")))
    return shapely.orient_polygons(shapely.normalize(merged))


def _seam_groups(polys):
    """Group polygons that share an edge along the +-180 meridian (one island cut by the seam)."""
    bounds = shapely.bounds(polys)
    west = [i for i in range(len(polys)) if bounds[i, 0] <= -SEAM]
    east = [i for i in range(len(polys)) if bounds[i, 2] >= SEAM]
    parent = list(range(len(polys)))

    def find(i):
        while parent[i] != i:
            parent[i] = i = parent[parent[i]]
        return i

    for i in west:
        shifted = shapely.transform(polys[i].boundary, lambda c: c + [360.0, 0])
        for j in east:
            if bounds[i, 1] <= bounds[j, 3] and bounds[j, 1] <= bounds[i, 3]:
                if shapely.intersection(shifted, polys[j].boundary).length > 0:
                    parent[find(i)] = find(j)
    groups = {}
    for i in range(len(polys)):
        groups.setdefault(find(i), []).append(polys[i])
    return list(groups.values())


def _area_km2(geoms):
    return np.round(gpd.GeoSeries(geoms, crs=WGS84).to_crs(EQUAL_AREA).area.to_numpy() / 1e6, 3)


def _read_topojson(tarball, member, layer):
    return pyogrio.read_dataframe(f"/vsitar/{Path(tarball).resolve()}/package/{member}", layer=layer)


def build_land(tarball):
    src = _read_topojson(tarball, "land-10m.json", "land")
    polys = [p for g in src.geometry for p in _polygonal(_clean(g))]
    geoms = [shapely.orient_polygons(shapely.normalize(shapely.MultiPolygon(g) if len(g) > 1 else g[0]))
             for g in _seam_groups(polys)]
    area = _area_km2(geoms)
    bounds = shapely.bounds(geoms)
    order = np.lexsort((np.round(bounds[:, 1], 6), np.round(bounds[:, 0], 6), -area))
    return gpd.GeoDataFrame(
        {"id": [f"land-{i:05d}" for i in range(1, len(order) + 1)], "area_km2": area[order]},
        geometry=[geoms[i] for i in order], crs=WGS84)


def _slug(text):
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def build_countries(tarball):
    src = _read_topojson(tarball, "countries-10m.json", "countries")
    df = gpd.GeoDataFrame({
        "id": ["country-" + _slug(n) for n in src["name"]],
        "name": src["name"],
        "iso_n3": src["id"].fillna(""),
    }, geometry=[_clean(g) for g in src.geometry], crs=WGS84)
    df = df[df.geometry.notna()]
    dup = df["id"][df["id"].duplicated()]
    if len(dup):
        raise SystemExit(f"duplicate country ids: {sorted(set(dup))}")
    return df.sort_values("id", ignore_index=True)


def build_admin1(gpkg):
    table = {g: (code, name) for g, code, name in (line.split("|") for line in ADMIN1_ISO.strip().splitlines())}
    countries = ",".join(f"'{c}'" for c in ADMIN1_COUNTRIES)
    src = pyogrio.read_dataframe(gpkg, layer="states_provinces", where=f"adm0_a3 IN ({countries})")
    src = src[src["gn_name"].notna()]  # one nameless 0.008 deg^2 sliver in Yamal
    unknown = sorted(set(src["gn_name"]) - set(table))
    if unknown:
        raise SystemExit(f"admin-1 names without an ISO 3166-2 code in geodata/refresh.py: {unknown}")
    # QGIS clipped the layer to +-179.9 deg ("safe extent"); put those edges back on the seam.
    snap = lambda c: np.where(np.abs(np.abs(c[:, :1]) - 179.9) < 1e-6, np.sign(c[:, :1]) * SEAM, c[:, :1])
    geoms = [_clean(shapely.transform(g, lambda c: np.hstack([snap(c), c[:, 1:]]))) for g in src.geometry]
    codes = [table[g][0] for g in src["gn_name"]]
    df = gpd.GeoDataFrame({
        "id": ["admin1-" + c.lower() for c in codes],
        "name": [table[g][1] for g in src["gn_name"]],
        "iso_3166_2": codes,
        "country": src["adm0_a3"].to_numpy(),
    }, geometry=geoms, crs=WGS84)
    if df["id"].duplicated().any():
        raise SystemExit(f"duplicate admin-1 codes: {sorted(set(df['id'][df['id'].duplicated()]))}")
    return df.sort_values("id", ignore_index=True)


def build_military_districts(toml_path, admin1):
    spec = tomllib.loads(Path(toml_path).read_text(encoding="utf-8"))
    by_code = dict(zip(admin1["iso_3166_2"], admin1.geometry))
    rows = []
    for d in spec.get("district", []):
        missing = [m for m in d["members"] if m not in by_code]
        if missing:
            raise SystemExit(f"{toml_path}: district {d['id']!r}: member codes not in the admin-1 data: {missing}")
        geom = _clean(shapely.union_all([by_code[m] for m in d["members"]]))
        sources = "; ".join(f"{s.get('title', '')} <{s.get('url', '')}> (consulted {s.get('consulted', '?')})"
                            for s in d.get("sources", []))
        rows.append({"id": d["id"], "name": d["name"], "members": ",".join(d["members"]),
                     "sources": sources, "geometry": geom})
    df = gpd.GeoDataFrame(rows, columns=["id", "name", "members", "sources", "geometry"], geometry="geometry", crs=WGS84)
    return df.sort_values("id", ignore_index=True)


def _sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def write_layer(df, path):
    """Write one layer as FlatGeobuf (packed Hilbert R-tree, no timestamps), xz-compressed. Returns the FGB bytes."""
    with tempfile.TemporaryDirectory() as tmp:
        fgb = Path(tmp) / f"{Path(path).name.split('.')[0]}.fgb"
        pyogrio.write_dataframe(df, fgb, layer=fgb.stem, driver="FlatGeobuf", SPATIAL_INDEX="YES")
        raw = fgb.read_bytes()
    files.write_whole(path, lzma.compress(raw, format=lzma.FORMAT_XZ, check=lzma.CHECK_CRC64, preset=9))
    return raw


def toolchain():
    """Library versions that determine the output bytes (GDAL writes the FGB, GEOS does the geometry work)."""
    import pyproj

    return {"gdal": pyogrio.__gdal_version_string__, "pyogrio": pyogrio.__version__, "geos": shapely.geos_version_string,
            "shapely": shapely.__version__, "proj": pyproj.proj_version_str, "pyproj": pyproj.__version__,
            "numpy": np.__version__}


def refresh(tarball, admin1_gpkg=None, out=OUT, districts_toml=DISTRICTS_TOML):
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    wa = {"source": "npm world-atlas 2.0.2 (Natural Earth 10m v4.1.0)", "source_sha256": _sha256(tarball)}
    layers = {"land": (build_land(tarball), wa), "countries": (build_countries(tarball), wa)}
    if admin1_gpkg:
        qg = {"source": "Debian qgis-common world_map.gpkg, layer states_provinces (Natural Earth 10m admin-1 v4.1.0)",
              "source_sha256": _sha256(admin1_gpkg)}
        layers["admin1"] = (build_admin1(admin1_gpkg), qg)
        if districts_toml and Path(districts_toml).exists():
            md = {"source": f"{Path(districts_toml).name} membership dissolved from admin1",
                  "source_sha256": _sha256(districts_toml)}
            layers["military_districts"] = (build_military_districts(districts_toml, layers["admin1"][0]), md)
    manifest_path = out.parent / "MANIFEST.json" if out == OUT else out / "MANIFEST.json"
    old = json.loads(manifest_path.read_text()) if manifest_path.exists() else {"files": {}}
    files = {k: v for k, v in old.get("files", {}).items() if v.get("layer") not in layers}
    for name, (df, meta) in layers.items():
        path = out / f"{name}{EXT}"
        raw = write_layer(df, path)
        rel = path.relative_to(manifest_path.parent).as_posix()
        files[rel] = {"layer": name, "features": len(df), "bytes": path.stat().st_size, "sha256": _sha256(path),
                      "fgb_bytes": len(raw), "fgb_sha256": hashlib.sha256(raw).hexdigest(),
                      "crs": WGS84, "licence": "public domain (Made with Natural Earth)", **meta}
        print(f"{rel}: {len(df)} features, {path.stat().st_size} bytes", file=sys.stderr)
    manifest = {"generator": "python -m geodata.refresh", "toolchain": toolchain(), "files": dict(sorted(files.items()))}
    manifest_path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return manifest


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m geodata.refresh", description=__doc__.split("\n\n")[0])
    ap.add_argument("tarball", help="world-atlas-2.0.2.tgz (from `npm pack world-atlas@2.0.2`)")
    ap.add_argument("--admin1", help="qgis-common's world_map.gpkg (/usr/share/qgis/resources/data/world_map.gpkg)")
    ap.add_argument("--out", default=str(OUT), help="output directory (default: geodata/base)")
    ap.add_argument("--districts", default=str(DISTRICTS_TOML), help="military districts TOML (default: %(default)s)")
    args = ap.parse_args(argv)
    refresh(args.tarball, args.admin1, Path(args.out).resolve(), args.districts)


if __name__ == "__main__":
    main()
