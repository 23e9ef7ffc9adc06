"""A note's short label, as the maps, lists and exports show it."""
from instructor_map.core.document import Note, short_label


def test_short_label_is_the_title_else_the_text_on_one_line_cut_with_an_ellipsis():
    assert short_label(Note("a", "body text", title="Title")) == "Title"
    assert short_label(Note("b", "  body\n\ttext  ", title="   ")) == "body text"
    long = short_label(Note("c", "A rather long note text\nthat goes on and on for a while"), chars=20)
    assert long == "A rather long note…" and len(long) <= 20
    assert short_label(Note("d", "bell\x07 and\x00 null")) == "bell and null"  # control characters never drawn
    assert short_label(Note("e", "")) == ""
