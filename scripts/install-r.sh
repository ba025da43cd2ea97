#!/usr/bin/env bash
# Installs what `make test-r` needs: R and the R packages the official R client uses, from Debian, then
# the official R client gofigR and the CRAN packages Debian 12 lacks, from the source tarballs in
# ../shared/vendor/r (the machines cannot reach CRAN), into .r-library/ of this checkout.
# Idempotent: what is installed already is skipped. Prints the library folder on stdout.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
vendor="${FIGTRAIL_R_VENDOR:-$root/../shared/vendor/r}"
library="$root/.r-library"

debian=(r-base-core r-base-dev r-cran-httr r-cran-jsonlite r-cran-knitr r-cran-base64enc r-cran-readr
  r-cran-magick r-cran-digest r-cran-rstudioapi r-cran-rsvg r-cran-cowplot r-cran-shiny r-cran-shinyjs
  r-cran-uuid r-cran-git2r r-cran-ggplot2 r-cran-gplots r-cran-rmarkdown r-cran-withr r-cran-purrr
  r-cran-stringr r-cran-testthat r-cran-xfun r-cran-rlang r-cran-patchwork r-cran-lattice
  r-cran-gridgraphics r-cran-png r-cran-jpeg r-cran-svglite pandoc ghostscript gsfonts fonts-urw-base35
  libmagickcore-6.q16-6-extra
  r-cran-assertthat r-cran-cli r-cran-fs r-cran-rappdirs)
# ImageMagick needs the fonts (the line before libmagickcore), or every watermarked publish() fails in
# the client; the last line is what qrcode and yulab.utils import that the vendor list leaves out.

missing=()
for package in "${debian[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-r: missing ${missing[*]}; as root run: apt-get update && apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  echo "install-r: installing ${#missing[@]} Debian packages (R and what gofigR needs)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -d "$vendor" ]; then
  echo "install-r: no R sources at $vendor (../shared/vendor/r beside this checkout; or set FIGTRAIL_R_VENDOR)" >&2
  exit 1
fi
mkdir -p "$library"
# in this order: each needs the ones before it
for package in qrcode scriptName yulab.utils ggplotify nanoparquet gofigR; do
  if [ ! -f "$library/$package/DESCRIPTION" ] || [ "$vendor/$package.tar.gz" -nt "$library/$package/DESCRIPTION" ]; then
    echo "install-r: R CMD INSTALL $package" >&2
    R_LIBS_USER="$library" R CMD INSTALL --no-test-load -l "$library" "$vendor/$package.tar.gz" >"$library/.$package.log" 2>&1 \
      || { cat "$library/.$package.log" >&2; exit 1; }
  fi
done
echo "$library"
