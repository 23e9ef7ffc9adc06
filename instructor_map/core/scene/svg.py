"""A scene as structured SVG that Inkscape and scripts can edit: every note a group with its mark and text,
every text a real <text> with its box (data-box="x y w h") and a class, every link a group with its ends."""
from __future__ import annotations

from xml.sax.saxutils import quoteattr

from instructor_map.core.scene.model import Box, Scene, Text
from instructor_map.core.scene.notes import CARD_PAD
from instructor_map.core.scene.text import clean

FONT = "sans-serif"
HULL_PAD = 16
ARROW_LEN, ARROW_HALF = 9.0, 4.0
TEXT_CLASSES = {"note": "note-text", "cluster-name": "cluster-name", "part-name": "cluster-name",
                "group-name": "group-name", "link-label": "link-label", "legend": "legend"}


def _n(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _box(box: Box) -> str:
    return " ".join(_n(v) for v in box)


def _color(color: str) -> str:
    """fill="#rrggbb" with its opacity when "#rrggbbaa"."""
    if len(color) == 9:
        return f'"{color[:7]}" fill-opacity="{int(color[7:], 16) / 255:.2f}"'
    return f'"{color}"'


def _text(text: Text, extra: str = "") -> str:
    cls = TEXT_CLASSES[text.cls] + (" card" if text.card else "")
    pad = CARD_PAD if text.card else 0.0
    line = (text.box.h - 2 * pad + (2 if text.card else 0)) / max(len(text.lines), 1)
    anchor = "start" if text.card or text.cls == "legend" else "middle"
    x = text.box.x + pad if anchor == "start" else text.box.x + text.box.w / 2
    out = []
    if text.card:
        out.append(f'<rect class="card" x="{_n(text.box.x)}" y="{_n(text.box.y)}" width="{_n(text.box.w)}" '
                   f'height="{_n(text.box.h)}" rx="4" fill="#ffffff" stroke="#d9d9d2"/>')
        if text.accent:
            out.append(f'<rect x="{_n(text.box.x)}" y="{_n(text.box.y + 2)}" width="3" height="{_n(text.box.h - 4)}" '
                       f'fill={_color(text.accent)}/>')
    elif text.fill and text.cls != "legend":
        out.append(f'<rect x="{_n(text.box.x)}" y="{_n(text.box.y)}" width="{_n(text.box.w)}" '
                   f'height="{_n(text.box.h)}" fill={_color(text.fill)}/>')
    style = ' font-style="italic"' if text.italic else ""
    spans = "".join(
        f'<tspan x="{_n(x)}" y="{_n(text.box.y + pad + k * line + line / 2 + 0.35 * text.size)}"'
        f'{" font-weight=" + chr(34) + "bold" + chr(34) if k < text.bold else ""}>{_escape(content)}</tspan>'
        for k, content in enumerate(text.lines))
    out.append(f'<text class="{cls}" data-box="{_box(text.box)}"{extra} font-family="{FONT}" '
               f'font-size="{_n(text.size)}" text-anchor="{anchor}" fill={_color(text.color)}{style}>{spans}</text>')
    return "".join(out)


def _escape(text: str) -> str:
    return quoteattr(clean(text))[1:-1]


def scene_svg(scene: Scene, title: str = "Instructor Map", description: str = "") -> str:
    w, h = scene.width, scene.height
    out = [f'<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="{w}" '
           f'height="{h}" viewBox="0 0 {w} {h}">', f"<title>{_escape(title)}</title>"]
    if description:
        out.append(f"<desc>{_escape(description)}</desc>")
    out.append(f'<rect class="background" width="{w}" height="{h}" fill="{scene.background}"/>')
    if scene.message:
        out.append(f'<text class="message" x="{w / 2}" y="{h / 2}" text-anchor="middle" font-family="{FONT}" '
                   f'font-size="14" fill="#6b6b6b">{_escape(scene.message)}</text>')
    out.append('<g class="regions">')
    for region in scene.regions:
        points = " ".join(f"{_n(x)},{_n(y)}" for x, y in region.corners)
        color, alpha = region.color[:7], int(region.color[7:] or "ff", 16) / 255
        out.append(f'<g opacity="{alpha:.3f}"><polygon class="region" data-cluster="{region.cluster}" '
                   f'points="{points}" fill="{color}" stroke="{color}" stroke-width="{2 * HULL_PAD}" '
                   f'stroke-linejoin="round"/></g>')
    out.append('</g><g class="frames">')
    for frame in scene.frames:
        b = frame.box
        out.append(f'<rect class="frame" data-group={quoteattr(frame.group)} x="{_n(b.x)}" y="{_n(b.y)}" '
                   f'width="{_n(b.w)}" height="{_n(b.h)}" rx="8" fill="{frame.color[:7]}" fill-opacity="0.06" '
                   f'stroke="{frame.color[:7]}" stroke-opacity="0.6" stroke-width="1.4" stroke-dasharray="5 3"/>')
    out.append('</g><g class="links">')
    labels = {t.owner: t for t in scene.link_labels}
    for link in scene.links:
        (ax, ay), (tx, ty) = link.start, link.tip
        length = max(((tx - ax) ** 2 + (ty - ay) ** 2) ** 0.5, 1e-9)
        ux, uy = (tx - ax) / length, (ty - ay) / length
        bx, by = tx - ux * ARROW_LEN, ty - uy * ARROW_LEN
        dash = ' stroke-dasharray="6 4"' if link.dashed else ""
        label = _text(labels[link.id]) if link.id in labels else ""
        out.append(f'<g class="link" data-id={quoteattr(link.id)} data-source={quoteattr(link.source)} '
                   f'data-target={quoteattr(link.target)} data-kind="{link.kind}">'
                   f'<line x1="{_n(ax)}" y1="{_n(ay)}" x2="{_n(bx)}" y2="{_n(by)}" stroke="{link.color}" '
                   f'stroke-width="1.6"{dash}/><polygon points="{_n(tx)},{_n(ty)} {_n(bx - uy * ARROW_HALF)},'
                   f'{_n(by + ux * ARROW_HALF)} {_n(bx + uy * ARROW_HALF)},{_n(by - ux * ARROW_HALF)}" '
                   f'fill="{link.color}"/>{label}</g>')
    out.append('</g><g class="notes">')
    texts = {t.owner: t for t in scene.note_texts}
    for note in scene.notes:
        r = note.size / 2
        box = Box(note.x - r, note.y - r, 2 * r, 2 * r)
        text = texts.get(note.id)
        if text is not None:
            x0, y0 = min(box.x, text.box.x), min(box.y, text.box.y)
            box = Box(x0, y0, max(box.right, text.box.right) - x0, max(box.bottom, text.box.bottom) - y0)
        opacity = ' fill-opacity="0.18"' if note.faded else ""
        stroke = ' stroke="#ff2d95" stroke-width="2.5"' if note.selected else ' stroke="#ffffff" stroke-width="1"'
        pin = ' data-pinned="true"' if note.pinned else ""
        out.append(f'<g class="note" data-id={quoteattr(note.id)} data-box="{_box(box)}"{pin}>'
                   f'<circle cx="{_n(note.x)}" cy="{_n(note.y)}" r="{_n(r)}" fill="{note.color[:7]}"{opacity}{stroke}/>'
                   f'{_text(text) if text is not None else ""}</g>')
    out.append('</g><g class="names">')
    for text in scene.names:
        out.append(_text(text, f" data-for={quoteattr(text.owner)}"))
    out.append("</g>")
    if scene.legend:
        b = scene.legend.box
        out.append(f'<g class="legend" data-box="{_box(b)}"><rect x="{_n(b.x)}" y="{_n(b.y)}" width="{_n(b.w)}" '
                   f'height="{_n(b.h)}" rx="5" fill="#ffffff" fill-opacity="0.92" stroke="#d9d9d2"/>')
        for entry, mark in zip(scene.legend.entries, scene.legend.marks):
            y = mark.y + mark.h / 2
            if entry.kind == "swatch":
                out.append(f'<circle cx="{_n(mark.x + 5)}" cy="{_n(y)}" r="5" fill="{entry.color[:7]}"/>')
            elif entry.kind != "more":
                dash = ' stroke-dasharray="5 3"' if entry.dashed else ""
                out.append(f'<line x1="{_n(mark.x)}" y1="{_n(y)}" x2="{_n(mark.right - 5)}" y2="{_n(y)}" '
                           f'stroke="{entry.color}" stroke-width="2"{dash}/><polygon points="{_n(mark.right)},'
                           f'{_n(y)} {_n(mark.right - 6)},{_n(y - 3.5)} {_n(mark.right - 6)},{_n(y + 3.5)}" '
                           f'fill="{entry.color}"/>')
        out.extend(_text(t) for t in scene.legend.texts)
        out.append("</g>")
    out.append("</svg>\n")
    return "\n".join(out)
