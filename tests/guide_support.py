"""Screenshots for the user guide (api/web/guide/img): taken by the browser tests, so the guide shows the pages as
they are today. Each name is written by exactly one `guide_shot(page, "name")` call with a literal name, which
tests/test_guide.py reads statically and compares with the images the guide links."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

from api.web.pages_help import GUIDE

GUIDE_IMAGES = GUIDE / "img"
VIEWPORT = {"width": 1280, "height": 800}


def guide_shot(page, name: str, element: str | None = None) -> Path:  # noqa: ANN001
    """The visible 1280×800 viewport (scrolled to `element` if given), as a 256-colour PNG: text and flat colours
    survive the palette, and the file stays around 50 KB instead of 200."""
    from PIL import Image

    if element:
        page.locator(element).first.scroll_into_view_if_needed()
    page.wait_for_function("Array.from(document.images).every(image => image.complete && image.naturalWidth > 0)")
    raw = page.screenshot(full_page=False)
    folder = GUIDE_IMAGES
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / ".writable"
        probe.touch()
        probe.unlink()
    except OSError:  # a read-only install: the guide keeps its images, the test still runs
        folder = Path(tempfile.gettempdir()) / "patent-match-guide"
        folder.mkdir(parents=True, exist_ok=True)
    image = Image.open(io.BytesIO(raw)).convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    path = folder / f"{name}.png"
    image.save(path, format="PNG", optimize=True)
    return path
