"""The web pages in a real browser: Debian's Chromium driven by Playwright, live server.

Screenshots of every step are saved under test-artifacts/screenshots/.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from tests.api.conftest import ME, Live

CHROMIUM = "/usr/bin/chromium"
SHOTS = Path(__file__).parents[2] / "test-artifacts" / "screenshots"

if not shutil.which(CHROMIUM) and os.environ.get("SOCIALCREDIT_REQUIRE_BROWSER") != "1":
    pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)", allow_module_level=True)

from playwright.sync_api import Browser, Page, expect, sync_playwright  # noqa: E402

from tests.conftest import OP  # noqa: E402


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield b
        b.close()


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def sign_in(browser: Browser, live: Live, role: str) -> Page:
    page = browser.new_context().new_page()
    page.goto(f"{live.url}/signin")
    page.get_by_label("Your token").fill(live.tokens[role])
    page.get_by_role("button", name="Sign in").click()
    return page


def test_resident_sees_record_and_files_a_dispute(browser: Browser, live: Live) -> None:
    event = live.app.records.record(
        OP,
        ME,
        "rongcheng",
        "traffic-violation",
        authority="rongcheng-traffic-police",
        evidence_ref="ticket/42",
        occurred=date(2024, 5, 1),
    ).event
    page = sign_in(browser, live, "subject")
    expect(page).to_have_url(f"{live.url}/counter")
    expect(page.locator('.grade[data-scheme="rongcheng"]')).to_have_text("A")
    expect(page.get_by_role("cell", name="ticket/42")).to_be_visible()
    expect(page.get_by_role("heading", name="Who looked at your record")).to_be_visible()
    shot(page, "01-counter")
    page.get_by_label("Event or entry number").fill(str(event))
    page.get_by_label("What is wrong").fill("That was not my car.")
    page.get_by_role("button", name="File dispute").click()
    expect(page.get_by_role("status")).to_contain_text("Dispute")
    expect(page.locator(".dispute-status").first).to_have_text("open")
    expect(page.get_by_role("cell", name="ticket/42 (disputed)")).to_be_visible()
    shot(page, "02-counter-disputed")


def test_registrar_records_with_an_upload_and_the_grade_changes(
    browser: Browser, live: Live, tmp_path: Path
) -> None:
    evidence = tmp_path / "judgment.pdf"
    evidence.write_bytes(b"%PDF-1.4 drunk driving penalty decision")
    desk = sign_in(browser, live, "registrar")
    expect(desk).to_have_url(f"{live.url}/desk")
    desk.get_by_label("Subject ID").fill(ME)
    desk.get_by_label("Rule").select_option("rongcheng/drunk-driving")
    desk.get_by_label("Date of the conduct").fill("2024-05-20")
    desk.get_by_label("Evidence reference").fill("penalty/2024-88")
    desk.get_by_label("Evidence file").set_input_files(str(evidence))
    desk.get_by_role("button", name="Record event").click()
    expect(desk.get_by_role("status")).to_contain_text("Recorded event")
    expect(desk.get_by_role("cell", name="penalty/2024-88")).to_be_visible()
    shot(desk, "03-desk")
    counter = sign_in(browser, live, "subject")
    expect(counter.locator('.grade[data-scheme="rongcheng"]')).to_have_text("C")
    shot(counter, "04-counter-capped")


def test_verifier_deny_then_reviewer_annuls_then_allow(browser: Browser, live: Live) -> None:
    app = live.app
    entry = app.lists.propose(
        OP,
        ME,
        "court-defaulters",
        authority="rongcheng-people-court",
        evidence_ref="judgment/9",
        occurred=date(2024, 5, 1),
        fields={
            "case_number": "(2024) 9",
            "court": "Rongcheng",
            "judgment_date": "2024-04-01",
            "obligation": "pay 9,000 yuan",
        },
    ).event
    app.lists.transition(
        OP,
        entry,
        "notify",
        authority="rongcheng-people-court",
        evidence_ref="notice/9",
        occurred=date(2024, 5, 2),
    )
    airline = sign_in(browser, live, "verifier")
    expect(airline).to_have_url(f"{live.url}/verify")

    def ask() -> None:
        airline.get_by_label("Subject ID").fill(ME)
        airline.get_by_label("Service").select_option("flight")
        airline.get_by_label("Purpose").fill("ticket sale")
        airline.get_by_role("button", name="Check").click()

    ask()
    expect(airline.locator("#decision")).to_have_text("DENY")
    expect(airline.locator("#reasons")).to_contain_text("deny:court-defaulters-high-consumption")
    expect(airline.locator("body")).not_to_contain_text("score")
    shot(airline, "05-verifier-deny")
    app.disputes.open(
        OP,
        entry,
        subject=ME,
        statement="I paid in March; receipt attached",
        evidence_ref="receipt/9",
        occurred=date(2024, 6, 1),
    )
    review = sign_in(browser, live, "reviewer")
    expect(review).to_have_url(f"{live.url}/review")
    expect(review.get_by_text("I paid in March")).to_be_visible()
    shot(review, "06-review-queue")
    review.get_by_role("combobox", name="Outcome").select_option("annulled")
    review.get_by_role("textbox", name="Reason").fill("payment confirmed by the court")
    review.get_by_role("button", name="Decide").click()
    expect(review.get_by_role("status")).to_contain_text("annulled")
    shot(review, "07-review-decided")
    ask()
    expect(airline.locator("#decision")).to_have_text("ALLOW")
    shot(airline, "08-verifier-allow")


def test_public_pages(browser: Browser, live: Live) -> None:
    page = browser.new_context().new_page()
    page.goto(f"{live.url}/stats")
    chart = page.locator("figure img").first
    expect(chart).to_be_visible()
    assert chart.evaluate("img => img.complete && img.naturalWidth > 0")
    shot(page, "09-stats")
    page.goto(f"{live.url}/rulebooks/rongcheng")
    expect(page.get_by_role("cell", name="Driving while intoxicated", exact=False)).to_be_visible()
    page.goto(f"{live.url}/log")
    expect(page.locator("#log-size")).to_be_visible()
    page.goto(f"{live.url}/docs")
    expect(page.locator(".swagger-ui")).to_be_visible()
    shot(page, "10-api-docs")
