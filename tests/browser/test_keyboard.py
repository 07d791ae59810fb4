"""Keyboard only: the skip link comes first and shows where the focus is; the
log-in form is filled in and sent with Tab, typing and Enter."""

from __future__ import annotations

import re

from browser_words import Words
from playwright.sync_api import expect

FOCUS_RING = """() => {
  const el = document.activeElement, style = getComputedStyle(el);
  return {visible: el.matches(':focus-visible'), outline: style.outlineStyle,
          width: parseFloat(style.outlineWidth)};
}"""


def assert_focus_is_visible(visitor):
    ring = visitor.page.evaluate(FOCUS_RING)
    assert ring["visible"] and ring["outline"] != "none" and ring["width"] >= 2, ring


def test_log_in_with_the_keyboard_only(world, visit):
    ring = world.ring("lindenhof")
    anna = world.member(ring, "Anna Adler")
    visitor = visit()
    visitor.open("/login")
    keyboard = visitor.page.keyboard

    keyboard.press("Tab")
    skip = visitor.page.get_by_role("link", name=Words.SKIP_LINK)
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()  # shown while it has the focus
    assert_focus_is_visible(visitor)

    keyboard.press("Enter")  # past the header, straight to the form
    keyboard.press("Tab")
    expect(visitor.page.get_by_label(Words.EMAIL)).to_be_focused()
    assert_focus_is_visible(visitor)
    keyboard.type(anna.email)
    keyboard.press("Tab")
    expect(visitor.page.get_by_label(Words.PASSWORD)).to_be_focused()
    assert_focus_is_visible(visitor)
    keyboard.type(anna.password)
    keyboard.press("Enter")

    expect(visitor.page).to_have_url(re.compile(r"/dashboard(#content)?$"))
    expect(visitor.page.get_by_test_id("balance")).to_have_text(re.compile(r"0:00"))
    expect(skip).not_to_be_in_viewport()  # out of the way until someone tabs to it
