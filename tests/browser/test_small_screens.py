"""A phone 360 px wide: the market, the dashboard, a talent and an exchange fit
without scrolling sideways. Screenshots go to test-artifacts/."""

from __future__ import annotations

from playwright.sync_api import expect

PHONE = {"width": 360, "height": 740}


def test_pages_fit_a_phone_360_px_wide(world, visit, language, post_talent, booked_exchange):
    ring = world.ring("lindenhof")
    anna = world.member(ring, "Anna-Katharina Leutheusser-Schnarrenberger")
    ben = world.member(ring, "Ben Bauer")
    # Long German words and long titles are what pushes a narrow page wide.
    talent = post_talent(
        ben, "Gartenarbeit: Heckenschneiden, Rasenmähen und Unkrautjäten",
        category="gesellschaft-und-begleitung",
        description="Donaudampfschifffahrtsgesellschaftskapitänsmütze " * 4)
    post_talent(anna, "Begleitung zum Arzt", kind="request", category="fahrdienste",
                description="Dienstags vormittags, Wartezeit inklusive.")
    exchange = booked_exchange(ben, anna, 90, "Heckenschneiden und Rasenmähen im Kleingarten",
                               talent_id=talent)

    phone = visit(**PHONE)
    phone.log_in(anna.email, anna.password)
    phone.speak(language)
    widths = {}
    for name, path in (("market", "/market"), ("dashboard", "/dashboard"),
                       ("talent", f"/talents/{talent}"), ("exchange", f"/exchanges/{exchange}")):
        phone.open(path)
        expect(phone.page.get_by_role("heading", level=1)).to_be_visible()
        language.is_shown(phone.page)
        phone.screenshot(f"{name}-360px-{language.code}")
        widths[name] = phone.scroll_width()
    too_wide = {name: width for name, width in widths.items() if width > PHONE["width"]}
    assert not too_wide, f"scrolls sideways at 360 px (scrollWidth): {too_wide}"
    language.finish()


BROKEN_WORDS = """() => {
  const broken = [];
  for (const cell of document.querySelectorAll("main table th, main table td")) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const word of node.data.matchAll(/[^\\s\\-]+/g)) {
        const range = document.createRange();
        range.setStart(node, word.index);
        range.setEnd(node, word.index + word[0].length);
        const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
        if (lines.size > 1) broken.push(word[0]);
      }
    }
  }
  return broken;
}"""


def test_tables_on_a_phone_break_no_word(world, visit, booked_exchange):
    ring = world.ring("lindenhof")
    anna = world.member(ring, "Anna Adler")
    ben = world.member(ring, "Ben Bauer")
    booked_exchange(ben, anna, 90, "Heckenschneiden und Rasenmähen im Kleingarten")

    phone = visit(**PHONE)
    phone.log_in(anna.email, anna.password)
    broken = {}
    for path in ("/dashboard", "/exchanges"):
        phone.open(path)
        expect(phone.page.get_by_role("table").first).to_be_visible()
        broken[path] = phone.page.evaluate(BROKEN_WORDS)
    assert not any(broken.values()), f"words broken across lines at 360 px: {broken}"
