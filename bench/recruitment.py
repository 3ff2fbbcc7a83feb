"""Recruitment on the demo county: the demo step, deadlines, pipeline counts, the PDF, and
recording steps through the service. Prints figures; not a timed test.

    .venv/bin/python bench/recruitment.py [--people 50]
    DATABASE_URL=postgresql:///dj_bench_recruitment?host=/var/run/postgresql \\
        .venv/bin/python bench/recruitment.py --people 50

Builds the demo county into a fresh database first (`_setup.demo_county`; see bench/demo_build.py).
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _setup import demo_county


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=50, help="people taken through 17 steps")
    args = parser.parse_args()
    marks: dict[str, float] = {}
    order: list[str] = []

    def progress(step: str) -> None:
        marks[step] = time.perf_counter()
        order.append(step)

    county_built = demo_county(progress=progress)
    backend, report = county_built.backend, county_built.report
    assert report is not None  # a fresh database: always built
    after = dict(itertools.pairwise(order))
    step_seconds = (
        marks[after["recruitment…"]] - marks["recruitment…"]
        if "recruitment…" in after
        else float("nan")
    )

    from dangjian.members.choices import MemberCategory
    from dangjian.members.models import Member
    from dangjian.organizations.models import Organization
    from dangjian.recruitment import pdf, rules, selectors, services
    from dangjian.recruitment.models import Applicant, StepRecord
    from dangjian.site.testing import new_id_number, system_user

    county = Organization.objects.get(parent__isnull=True)
    print(f"database              {backend}")
    print(f"demo build            {report.seconds:7.2f} s")
    print(
        f"  recruitment step    {step_seconds:7.2f} s  (budget 8 s: {step_seconds / 8:.2f} of it)"
    )
    print(f"people / steps        {Applicant.objects.count()} / {StepRecord.objects.count()}")

    started = time.perf_counter()
    due = selectors.deadlines(county, report.day)
    print(
        f"deadlines(county)     {time.perf_counter() - started:7.3f} s  "
        f"{len(due)} items, {sum(d.overdue for d in due)} overdue"
    )
    started = time.perf_counter()
    counts = selectors.pipeline_counts(county, 2026)
    print(f"pipeline_counts       {time.perf_counter() - started:7.3f} s  {counts}")
    actor = system_user()
    applicant = Applicant.objects.filter(last_step=25).first() or Applicant.objects.first()
    assert applicant is not None
    started = time.perf_counter()
    content = pdf.record_pdf(actor=actor, applicant=applicant)
    print(f"record PDF            {time.perf_counter() - started:7.3f} s  {len(content)} bytes")

    # Take new people through steps 1–17 with the service (order, rules, admission).
    branch = Organization.objects.filter(kind="BRANCH").order_by("pk").first()
    assert branch is not None
    full = list(
        Member.objects.filter(
            category=MemberCategory.FULL,
            memberships__organization=branch,
            memberships__ended_on__isnull=True,
        )[:2]
    )
    import datetime as dt

    from dangjian.members.choices import Education, Occupation, Sex

    dates = [
        dt.date(2022, 1, 10) + dt.timedelta(days=d)
        for d in (0, 20, 150, 190, 195, 330, 560, 563, 566, 570, 580, 585, 590, 600, 610, 620, 640)
    ]
    # The admission vote is taken at one recorded general meeting (its roll gives the counts).
    from dangjian.activities import selectors as activity_selectors
    from dangjian.activities import services as activity_services

    meeting = activity_services.activity_record(
        actor=actor,
        activity=activity_services.activity_create(
            actor=actor,
            organization=branch,
            data={"kind": "GENERAL_MEETING", "topic": "讨论发展党员", "on": dates[14]},
        ),
    )
    ballot = rules.Ballot(activity_selectors.quorum(meeting).present)
    started = time.perf_counter()
    recorded = 0
    for n in range(args.people):
        birth = dt.date(1990, 1, 1) + dt.timedelta(days=n)
        person = services.applicant_create(
            actor=actor,
            organization=branch,
            data={
                "name": f"测试{n}",
                "sex": Sex.MALE,
                "birth_date": birth,
                "education": Education.BACHELOR,
                "occupation": Occupation.WORKER,
            },
            id_number=new_id_number(birth, Sex.MALE, region="110105"),
            applied_on=dates[0],
        )
        for step in range(2, 18):
            services.step_record(
                actor=actor,
                applicant=person,
                data=services.StepInput(
                    step=step,
                    on=dates[step - 1],
                    people="bench",
                    members=full if step == 9 else full[:1] if step == 5 else [],
                    meeting=meeting if step == 15 else None,
                    ballot=ballot if step == 15 else None,
                    training_hours=24 if step == 11 else None,
                ),
            )
            recorded += 1
    seconds = time.perf_counter() - started
    print(
        f"steps via service     {recorded / seconds:7.1f} per second "
        f"({args.people} people × 16 steps incl. admission, {seconds:.1f} s)"
    )


if __name__ == "__main__":
    main()
