"""The frozen program (PyInstaller one-folder build of build.spec) and the .deb made from it:
it starts, carries its compiled parts, data and Qt plugins, stays small, and installs.

Slow by nature (one build per session, see conftest.py); skipped on a developer's machine with
MADOGUCHI_SKIP_FROZEN_TESTS=1, never in CI.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app import __version__

REPO = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.frozen, pytest.mark.slow]

BUNDLE_LIMIT_BYTES = 250 * 1024 * 1024


def test_frozen_program_prints_its_version(frozen_dist, run_frozen):
    for program in ("madoguchi", "madoguchi-gui"):
        r = run_frozen(frozen_dist / program, "--version")
        assert r.returncode == 0, r.stderr
        assert r.stdout.strip() == f"madoguchi {__version__}"


def test_bundle_carries_what_it_needs_and_not_what_it_does_not(frozen_dist):
    internal = frozen_dist / "_internal"
    plugins = internal / "PySide6" / "Qt" / "plugins"
    for needed in ("platforms/libqoffscreen.so", "platforms/libqxcb.so",
                   "printsupport/libcupsprintersupport.so", "imageformats/libqsvg.so",
                   "imageformats/libqjpeg.so", "platforminputcontexts/libibusplatforminputcontextplugin.so"):
        assert (plugins / needed).is_file(), needed
    names = {p.name for p in internal.rglob("*")}
    for needed in ("libQt6Pdf.so.6", "libQt6PdfWidgets.so.6", "QtPdf.abi3.so", "QtPdfWidgets.abi3.so"):
        assert needed in names, needed          # the print preview (QtPdf)
    for needed in ("libQt6Charts.so.6", "QtCharts.abi3.so", "libQt6OpenGLWidgets.so.6"):
        assert needed in names, needed          # the supervisor's desk (Qt Charts and what it links)
    for unwanted in ("libQt6Quick.so.6", "libQt6Qml.so.6", "libQt6PdfQuick.so.6", "libQt6Designer.so.6",
                     "libqgtk3.so", "libqwayland.so", "QtQml.abi3.so", "QtQuick.abi3.so"):
        assert unwanted not in names, unwanted
    assert not any(n.startswith("libpcsclite") for n in names)  # the system's, matching its pcscd
    assert not any(n.startswith(("pytest", "hypothesis", "_pytest")) for n in names)
    # every resource of the checkout is there, where app.paths.resource looks for it when frozen
    source = REPO / "resources"
    expected = {p.relative_to(source) for p in source.rglob("*")
                if p.is_file() and p.suffix not in {".ts", ".pro"} and p.name != ".gitkeep"} \
        if source.is_dir() else set()
    bundled = {p.relative_to(internal / "resources") for p in (internal / "resources").rglob("*")
               if p.is_file()} if (internal / "resources").is_dir() else set()
    assert expected == bundled
    size = sum(p.stat().st_size for p in frozen_dist.rglob("*") if p.is_file() and not p.is_symlink())
    assert size < BUNDLE_LIMIT_BYTES, f"bundle is {size / 2**20:.0f} MiB"


def test_frozen_compiled_parts_load(frozen_dist, run_frozen):
    """pyscard's _scard, psycopg's binary implementation, argon2's cffi binding, reportlab's
    data, keyring's metadata: each is loaded and reported by support-info."""
    r = run_frozen(frozen_dist / "madoguchi", "support-info", "--json", "--no-readers")
    assert r.returncode == 0, r.stderr
    info = json.loads(r.stdout)
    assert info["build"]["frozen"] is True
    assert Path(info["build"]["location"]) == frozen_dist.resolve()
    for name, value in info["components"].items():
        assert not value.startswith("error"), f"{name}: {value}"
        assert "?" not in value, f"{name}: metadata missing ({value})"
    assert info["components"]["psycopg"].endswith("(binary)")


def test_frozen_keyring_finds_the_secret_service(frozen_dist, run_frozen):
    """keyring finds its back-ends through entry points: the frozen build must carry them."""
    if not (shutil.which("dbus-run-session") and shutil.which("gnome-keyring-daemon")):
        pytest.fail("dbus and gnome-keyring are needed (make deps installs them)")
    script = ('printf madoguchi | gnome-keyring-daemon --unlock --components=secrets >/dev/null '
              '&& exec "$0" support-info --json --no-readers')
    r = run_frozen(Path("dbus-run-session"), "--", "sh", "-c", script, str(frozen_dist / "madoguchi"))
    assert r.returncode == 0, r.stderr
    keyring_info = json.loads(r.stdout)["keyring"]
    assert "keyring.backends.SecretService.Keyring" in keyring_info["usable"], keyring_info


def test_frozen_config_commands(frozen_dist, run_frozen, madoguchi_home):
    program = frozen_dist / "madoguchi"
    r = run_frozen(program, "config", "set", "--system", "server", "kita02@db.city.local:5433/central")
    assert r.returncode == 0, r.stderr
    r = run_frozen(program, "config", "set", "terminal_id", "no good")
    assert r.returncode == 2 and "terminal id" in r.stderr and "Traceback" not in r.stderr
    shown = json.loads(run_frozen(program, "config", "show", "--json").stdout)
    assert shown["settings"]["server_host"] == "db.city.local" and shown["sources"]["server_port"] == "system"
    assert (madoguchi_home / "system-config" / "config.json").is_file()


@pytest.mark.parametrize("program", ["madoguchi-gui", "madoguchi"])
def test_frozen_window_opens_offscreen_and_closes_cleanly(frozen_dist, run_frozen, tmp_path, program):
    """Both programs open the window: the command line's one (``madoguchi`` with no command)
    without PyInstaller's PySide6 run-time hook, on the Qt paths our own hook sets."""
    if not (REPO / "app" / "ui" / "main.py").is_file():
        pytest.skip("the counter window (app/ui) is not in this checkout yet")
    report = tmp_path / "smoke.json"
    r = run_frozen(frozen_dist / program, "--training", timeout=180,
                   env={"MADOGUCHI_SMOKE_TEST": str(report)})
    assert r.returncode == 0, r.stderr[-3000:]
    shown = json.loads(report.read_text(encoding="utf-8"))
    assert shown["platform"] == "offscreen" and shown["windows"], shown
    # programs the window starts (pcscd) load the system's libraries, not the bundle's
    assert shown["child_library_path"] == os.environ.get("LD_LIBRARY_PATH"), shown


def test_the_command_line_program_starts_without_importing_qt(frozen_dist):
    """PyInstaller's PySide6 run-time hook imports QtCore before the first line of ours (about a
    third of a command's start): the command line's program leaves it out, the window's keeps it
    (build.spec; benchmarks/startup.py times the packaged program)."""
    viewer = Path(sys.executable).parent / "pyi-archive_viewer"

    def hooks(program: str) -> set[str]:
        listed = subprocess.run([str(viewer), "--list", "--brief", str(frozen_dist / program)],
                                capture_output=True, text=True, timeout=60, check=True).stdout
        return {word.strip("',[] ") for word in listed.split() if "rth" in word}

    assert {"rthook_madoguchi", "pyi_rth_pyside6"} <= hooks("madoguchi-gui")
    assert "rthook_madoguchi" in hooks("madoguchi") and "pyi_rth_pyside6" not in hooks("madoguchi")


def test_frozen_supervisor_desk_draws_its_charts(frozen_dist, run_frozen, tmp_path):
    """A support officer signs in to the frozen window and opens the supervisor's desk: its
    charts are Qt Charts views, loaded from the bundle."""
    report = tmp_path / "desk.json"
    r = run_frozen(frozen_dist / "madoguchi-gui", "--training", timeout=180, input="officer1-kenshu\n",
                   env={"MADOGUCHI_SMOKE_TEST": str(report), "MADOGUCHI_SMOKE_SIGN_IN": "officer1",
                        "MADOGUCHI_SMOKE_DESK": "1"})
    assert r.returncode == 0, r.stderr[-3000:]
    shown = json.loads(report.read_text(encoding="utf-8"))
    assert shown.get("signed_in") == "officer1", shown
    assert shown["desk"] == ["QChartView", "QChartView"], shown


def _readers(run_frozen, program: Path) -> dict:
    r = run_frozen(program, "card", "readers", "--json")
    assert r.returncode == 0, r.stderr[-3000:]
    return {row["reader"]: row for row in json.loads(r.stdout)["readers"]}


def test_frozen_program_reads_the_test_card_through_pcscd(frozen_dist, run_frozen, pcsc_stack,
                                                          inserted_card):
    """pyscard's compiled module and the system's libpcsclite talk to the (test) pcscd."""
    from app.card.cardfile import TRAINING_PINS
    from app.card.stack import reader_name

    program = frozen_dist / "madoguchi"
    rows = _readers(run_frozen, program)
    assert rows[reader_name(0)]["card"] == "my_number_card" and rows[reader_name(1)]["card"] is None
    r = run_frozen(program, "card", "read", "--json", "--pin-stdin", "--reader", reader_name(0),
                   input=TRAINING_PINS["input"] + "\n")
    assert r.returncode == 0, r.stderr[-3000:]
    data = json.loads(r.stdout)
    assert data["items"]["name"] == "窓口\u3000花子" and data["items"]["birth_date"] == "1985-04-01"
    assert data["my_number"].startswith("****") and data["certificates"]["auth"]["valid_now"]


def _fonts(pdf: Path) -> list[dict]:
    """pdffonts' table: one dict per font (name, type, emb)."""
    lines = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout.splitlines()
    rows = []
    for line in lines[2:]:
        parts = line.split()
        # name type [type...] encoding emb sub uni object ID: emb is the 5th field from the end
        rows.append({"name": parts[0], "emb": parts[-5]})
    return rows


def test_frozen_program_writes_pdfs_with_embedded_fonts(frozen_dist, run_frozen, tmp_path):
    """reportlab and the bundled IPAex fonts work frozen (the fonts come from the bundle only:
    app.printing never falls back to a system font)."""
    out = tmp_path / "test-print"
    r = run_frozen(frozen_dist / "madoguchi", "test-print", str(out), timeout=180)
    assert r.returncode == 0, r.stderr[-3000:]
    pdfs = sorted(out.glob("*.pdf"))
    assert len(pdfs) >= 3 and [str(p) for p in pdfs] == sorted(r.stdout.split())
    for pdf in pdfs:
        fonts = _fonts(pdf)
        assert fonts, pdf.name
        assert all(f["emb"] == "yes" for f in fonts), (pdf.name, fonts)
        assert any("IPAex" in f["name"] for f in fonts), (pdf.name, fonts)
    text = subprocess.run(["pdftotext", str(pdfs[0]), "-"], capture_output=True, text=True, check=True).stdout
    assert "見本" in text or "SPECIMEN" in text  # a test print can never pass for a real certificate


# ---- the .deb -----------------------------------------------------------------------------------

def test_deb_control_file_and_layout(installed_root):
    deb, root = installed_root
    fields = dict(line.split(": ", 1) for line in subprocess.run(
        ["dpkg-deb", "-f", str(deb), "Package", "Version", "Architecture", "Depends", "Installed-Size"],
        capture_output=True, text=True, check=True).stdout.splitlines() if ": " in line)
    arch = subprocess.run(["dpkg", "--print-architecture"], capture_output=True, text=True).stdout.strip()
    assert fields["Package"] == "madoguchi" and fields["Version"] == __version__
    assert fields["Architecture"] == arch and deb.name == f"madoguchi_{__version__}_{arch}.deb"
    depends = [d.strip().split(" ")[0] for d in fields["Depends"].split(",")]
    for needed in ("pcscd", "libpcsclite1", "poppler-utils", "libc6", "libx11-6", "libfontconfig1"):
        assert needed in depends, fields["Depends"]
    assert int(fields["Installed-Size"]) * 1024 < BUNDLE_LIMIT_BYTES + 5 * 2**20

    for link in ("madoguchi", "madoguchi-gui"):
        path = root / "usr" / "bin" / link
        assert path.is_symlink() and os.readlink(path) == f"../../opt/madoguchi/{link}"
    desktop = (root / "usr/share/applications/madoguchi.desktop").read_text(encoding="utf-8")
    assert "Exec=/usr/bin/madoguchi-gui" in desktop and "Icon=madoguchi" in desktop
    assert (root / "usr/share/icons/hicolor/256x256/apps/madoguchi.png").is_file()
    assert (root / "usr/share/doc/madoguchi/INSTALL.md").is_file()
    control = subprocess.run(["dpkg-deb", "--ctrl-tarfile", str(deb)], capture_output=True, check=True).stdout
    assert b"./postinst" in control and b"./postrm" in control
    for script in ("postinst", "postrm"):
        assert subprocess.run(["sh", "-n", str(REPO / "packaging" / script)]).returncode == 0


def test_installed_program_runs_from_the_install_location(installed_root, run_frozen):
    _, root = installed_root
    program = root / "usr" / "bin" / "madoguchi"
    r = run_frozen(program, "--version")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == f"madoguchi {__version__}"
    r = run_frozen(program, "support-info", "--json", "--no-readers")
    assert r.returncode == 0, r.stderr
    assert Path(json.loads(r.stdout)["build"]["location"]) == (root / "opt" / "madoguchi").resolve()


def test_installed_program_lists_the_card_readers(installed_root, run_frozen, pcsc_stack, inserted_card):
    from app.card.stack import reader_name

    _, root = installed_root
    rows = _readers(run_frozen, root / "usr" / "bin" / "madoguchi")
    assert rows[reader_name(0)]["card"] == "my_number_card"
