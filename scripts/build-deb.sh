#!/usr/bin/env bash
# Builds the Debian package of Madoguchi from the PyInstaller folder (`make build` → dist/madoguchi).
#
#   scripts/build-deb.sh [--dist DIR] [--out DIR] [--compression xz|gzip|none]
#
# Layout: the folder under /opt/madoguchi, relative symlinks /usr/bin/madoguchi{,-gui}, a desktop
# entry and icon, the install guide under /usr/share/doc/madoguchi. Depends: pcscd and
# libpcsclite1 (pyscard loads the PC/SC client library at run time), poppler-utils (pdftoppm
# draws the print preview) plus the distribution's
# libraries the bundle links against, computed by dpkg-shlibdeps (the spec leaves them out of
# the bundle on purpose). The version is app.__version__ and must match the built program's.
set -euo pipefail
umask 022      # a package's files are world-readable by design, whatever the caller's umask
cd "$(dirname "$0")/.."
ROOT=$PWD

DIST=dist/madoguchi
OUT=dist
# gzip: quick to build and readable by every dpkg; DEB_COMPRESSION=xz makes a smaller file slowly
COMPRESSION=${DEB_COMPRESSION:-gzip}
while [ $# -gt 0 ]; do
    case "$1" in
        --dist) DIST=$2; shift 2 ;;
        --out) OUT=$2; shift 2 ;;
        --compression) COMPRESSION=$2; shift 2 ;;
        *) echo "usage: $0 [--dist DIR] [--out DIR] [--compression xz|gzip|none]" >&2; exit 2 ;;
    esac
done
DIST=$(cd "$DIST" 2>/dev/null && pwd) || { echo "build-deb: no build at $DIST; run \`make build\` first" >&2; exit 2; }
mkdir -p "$OUT"; OUT=$(cd "$OUT" && pwd)
for exe in madoguchi madoguchi-gui; do
    [ -x "$DIST/$exe" ] || { echo "build-deb: $DIST/$exe is missing; run \`make build\`" >&2; exit 2; }
done

VERSION=$(sed -n 's/^__version__ = "\(.*\)"/\1/p' app/__init__.py)
BUILT=$("$DIST/madoguchi" --version | awk '{print $2}')
if [ "$VERSION" != "$BUILT" ]; then
    echo "build-deb: the build in $DIST is version $BUILT but app/__init__.py says $VERSION; rebuild with \`make build\`" >&2
    exit 2
fi
ARCH=$(dpkg --print-architecture)
DEB="$OUT/madoguchi_${VERSION}_${ARCH}.deb"

STAGE=$(mktemp -d "${TMPDIR:-/tmp}/madoguchi-deb.XXXXXX")
trap 'rm -rf "$STAGE"' EXIT
PKG=$STAGE/root
mkdir -p "$PKG/DEBIAN" "$PKG/opt" "$PKG/usr/bin" "$PKG/usr/share/applications" \
    "$PKG/usr/share/icons/hicolor/256x256/apps" "$PKG/usr/share/doc/madoguchi"
cp -a "$DIST" "$PKG/opt/madoguchi"
# installed files are readable and runnable by every account, whatever umask the build ran under
chmod -R u+rwX,go+rX,go-w "$PKG/opt/madoguchi"
ln -s ../../opt/madoguchi/madoguchi "$PKG/usr/bin/madoguchi"
ln -s ../../opt/madoguchi/madoguchi-gui "$PKG/usr/bin/madoguchi-gui"
install -m 644 packaging/madoguchi.desktop "$PKG/usr/share/applications/madoguchi.desktop"
# the sync of the terminal's shared store, as the system account madoguchi (docs/INSTALL.md)
install -d "$PKG/lib/systemd/system"
# (and a clerk's "sync now": the path unit starts the same service when the group writes a request)
install -m 644 packaging/madoguchi-sync.service packaging/madoguchi-sync.timer \
    packaging/madoguchi-sync-request.path "$PKG/lib/systemd/system/"
install -m 644 packaging/madoguchi.png "$PKG/usr/share/icons/hicolor/256x256/apps/madoguchi.png"
install -m 644 docs/INSTALL.md "$PKG/usr/share/doc/madoguchi/INSTALL.md"
cat > "$PKG/usr/share/doc/madoguchi/copyright" <<COPYRIGHT
Madoguchi $VERSION — proprietary, for the municipality's own terminals.
Bundled third-party software keeps its own licence: Qt for Python (LGPLv3), Python (PSF),
IPAex fonts (IPA Font License, see /opt/madoguchi/_internal/resources/fonts/), reportlab (BSD),
pyscard (LGPL), keyring (MIT), psycopg (LGPL), cryptography (Apache-2.0/BSD).
COPYRIGHT
install -m 755 packaging/postinst "$PKG/DEBIAN/postinst"
install -m 755 packaging/postrm "$PKG/DEBIAN/postrm"

# Shared libraries of the distribution the bundle needs → Depends (dpkg-shlibdeps wants a
# debian/control beside it; the bundle's own libraries are found through -l and skipped).
mkdir -p "$STAGE/src/debian"
printf 'Source: madoguchi\n\nPackage: madoguchi\nArchitecture: any\n' > "$STAGE/src/debian/control"
mapfile -t ELF < <(find "$PKG/opt/madoguchi" -type f \( -name '*.so' -o -name '*.so.*' -o -perm -u+x \) \
    -exec sh -c 'head -c 4 "$1" | grep -q "ELF" && echo "$1"' _ {} \;)
LIBDIRS=$(find "$PKG/opt/madoguchi/_internal" -name '*.so*' -printf '-l%h\n' | sort -u)
T0=$SECONDS
SHLIBS=$(cd "$STAGE/src" && dpkg-shlibdeps -O --ignore-missing-info --warnings=0 $LIBDIRS "${ELF[@]}" \
    2>"$STAGE/shlibdeps.log" | sed -n 's/^shlibs:Depends=//p') || {
    cat "$STAGE/shlibdeps.log" >&2; echo "build-deb: dpkg-shlibdeps failed" >&2; exit 1; }
echo "  dpkg-shlibdeps: $((SECONDS - T0)) s" >&2
# pdftoppm (poppler-utils) renders the print preview of the counter window
# adduser: postinst makes the system account and group madoguchi (the shared live store)
DEPENDS="adduser, pcscd, libpcsclite1, poppler-utils${SHLIBS:+, $SHLIBS}"

INSTALLED_KB=$(du -sk --exclude=DEBIAN "$PKG" | cut -f1)
cat > "$PKG/DEBIAN/control" <<CONTROL
Package: madoguchi
Version: $VERSION
Section: misc
Priority: optional
Architecture: $ARCH
Maintainer: Madoguchi project <madoguchi@localhost>
Installed-Size: $INSTALLED_KB
Depends: $DEPENDS
Recommends: gnome-keyring
Suggests: pcsc-tools
Description: counter terminal for My Number cards and resident records (窓口)
 Madoguchi is the desktop application for clerks at a municipal counter:
 My Number card PIN resets and lock releases, lifting the suspension of a
 found card, copies of the resident record, the application-status inquiry,
 with two-person release for records under DV/stalking support measures.
 .
 Installs under /opt/madoguchi with the commands madoguchi (command line)
 and madoguchi-gui (the counter window). Configure the terminal with:
 sudo madoguchi config init --system
CONTROL

T0=$SECONDS
dpkg-deb --build --root-owner-group -Z"$COMPRESSION" "$PKG" "$DEB" >/dev/null
echo "  dpkg-deb: $((SECONDS - T0)) s" >&2
echo "$DEB"
echo "  version $VERSION, $ARCH, installed size $((INSTALLED_KB / 1024)) MiB, package $(( $(stat -c %s "$DEB") / 1024 / 1024 )) MiB" >&2
