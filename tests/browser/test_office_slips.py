"""The office types up a stack of paper slips with the keyboard only: the name
beside each number as it is typed, an unknown number flagged before anything is
booked, the whole stack booked at once, the receipt, and the same stack refused
when it is typed a second time."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlalchemy import func, select

from tauschring.db import db
from tauschring.ledger.models import Transfer
from tauschring.office.numbers import numbers_of

MEMOS = ["Garten", "Einkauf", "Fahrdienst", "Nachhilfe", "Kuchen", "Fenster putzen",
         "Hund ausführen", "Computerhilfe", "Vorlesen", "Umzugshilfe"]


def bookings() -> int:
    db.session.remove()
    return db.session.scalar(select(func.count()).select_from(Transfer))


def type_stack(visitor, stack) -> None:
    """Type every slip: Tab from field to field, as the office does."""
    page, keyboard = visitor.page, visitor.page.keyboard
    page.locator('input[name="rows-0-slip"]').focus()
    for index, slip in enumerate(stack):
        if index:
            keyboard.press("Tab")
            expect(page.locator(f'input[name="rows-{index}-slip"]')).to_be_focused()
        for position, value in enumerate(slip):
            if position:
                keyboard.press("Tab")
            keyboard.type(value)


def test_the_office_types_a_stack_of_ten_slips(world, visit):
    ring = world.ring("lindenhof", min_balance=-1200, max_balance=1200)
    karin = world.coordinator(ring, "Karin Kohl")
    people = [world.member(ring, name) for name in ("Anna Adler", "Bernd Bauer",
                                                      "Clara Christ", "Dora Dorn")]
    number = numbers_of(db.session, [p.id for p in people])
    no = [str(number[p.id]) for p in people]
    stack = [[str(300 + i), no[i % 4], no[(i + 1) % 4], f"{1 + i % 3}:{15 * (i % 4):02d}",
              MEMOS[i], "3.12.2026"] for i in range(10)]
    stack[3][1] = "977"  # a number nobody has
    before = bookings()

    visitor = visit()
    visitor.log_in(karin.email, karin.password)
    visitor.open("/coordination/slips/type")
    page, keyboard = visitor.page, visitor.page.keyboard
    type_stack(visitor, stack)

    # The names appear as the numbers are typed; the unknown one is flagged at once.
    expect(page.locator('output[data-for="rows-0-payer"]')).to_have_text("Anna Adler")
    expect(page.locator('output[data-for="rows-0-payee"]')).to_have_text("Bernd Bauer")
    expect(page.locator('output[data-for="rows-3-payer"]')).to_have_class(
        re.compile(r"\bunknown\b"))

    keyboard.press("Enter")  # checks every row, books nothing
    expect(page.locator("#stack-refused")).to_be_visible()
    refused = page.locator("tr.row-refused")
    expect(refused).to_have_count(1)
    expect(refused).to_contain_text("977")
    assert bookings() == before

    payer = page.locator('input[name="rows-3-payer"]')
    expect(payer).to_be_focused()  # the refused field waits for the fix
    keyboard.press("Control+A")
    keyboard.type(no[3])
    expect(page.locator('output[data-for="rows-3-payer"]')).to_have_text("Dora Dorn")
    keyboard.press("Enter")
    expect(page.locator("#stack-checked")).to_be_visible()
    expect(page.locator("tr.row-refused")).to_have_count(0)
    assert bookings() == before

    book = page.locator('button[name="book"]')
    expect(book).to_be_focused()  # the check puts the focus on booking
    keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/coordination/batches/\d+$"))
    receipt = page.get_by_test_id("receipt").locator("tr.booking")
    expect(receipt).to_have_count(10)
    expect(receipt.nth(3)).to_contain_text("Dora Dorn")
    expect(receipt.nth(0)).to_contain_text("300")
    assert bookings() == before + 10

    # The same stack typed again: every slip was booked before; nothing is booked.
    stack[3][1] = no[3]
    visitor.open("/coordination/slips/type")
    type_stack(visitor, stack)
    keyboard.press("Enter")
    expect(page.locator("#stack-refused")).to_be_visible()
    expect(page.locator("tr.row-refused")).to_have_count(10)
    page.locator('button[name="book"]').focus()
    keyboard.press("Enter")
    expect(page.locator("tr.row-refused")).to_have_count(10)
    assert bookings() == before + 10
