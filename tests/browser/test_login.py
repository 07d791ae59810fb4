"""A member logs in with the browser and sees the balance."""

from playwright.sync_api import expect


def test_member_logs_in_and_sees_balance(world, visit):
    ring = world.ring()
    anna = world.member(ring, "Anna")
    visitor = visit()
    visitor.log_in(anna.email, anna.password)
    expect(visitor.page.get_by_test_id("balance")).to_contain_text("0:00")
