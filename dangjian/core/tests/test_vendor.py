"""The npm files we serve are named one by one (dangjian.core.vendor)."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import override_settings

from dangjian.core.vendor import VendorFinder


def test_every_vendor_file_a_template_loads_is_served_and_no_other_build() -> None:
    used = set()
    for template in Path(settings.BASE_DIR).glob("**/templates/**/*.html"):
        if ".venv" in template.parts or "node_modules" in template.parts:
            continue
        used |= set(re.findall(r"static '(vendor/[^']+)'", template.read_text(encoding="utf-8")))
    assert used, "the templates load vendor files"
    for name in used:
        assert name in settings.VENDOR_FILES, name
        assert finders.find(name), name
    # The packages' other builds are not collected.
    assert finders.find("vendor/echarts/echarts.js") is None
    assert finders.find("vendor/bootstrap/js/bootstrap.bundle.js") is None
    collected = {path for path, _storage in VendorFinder().list(None)}
    assert collected == set(settings.VENDOR_FILES)


def test_a_missing_vendor_file_is_a_check_error_that_says_what_to_run(tmp_path: Path) -> None:
    with override_settings(NODE_MODULES=tmp_path):
        errors = VendorFinder().check()
    assert {error.id for error in errors} == {"dangjian.E001"}
    assert len(errors) == len(settings.VENDOR_FILES)
    assert "make setup" in errors[0].msg
    assert VendorFinder().check() == []
