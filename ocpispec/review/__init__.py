"""The privacy officer's review of a spec: `ocpispec review`.

    build_review(checked, plan, sample=None) -> Review
    render_review(review, "html" | "markdown" | "json") -> str
    demo_sample(plan, spec_dir) -> Sample     (runs the plan against the demo CPO)

The review is built from the checked spec and its plan alone (no network): the
export's header, the data flow, every released column with the OCPI fields it reads
and its transformation in plain words, the withheld fields, the aggregate protection,
the check's warnings, the approvals beside the spec (`review.approval`, given by the
CLI) and the fingerprints. HTML is one self-contained page (inline
CSS, no scripts, no external assets) that prints on A4.
"""

from __future__ import annotations

from ocpispec.review.build import review as build_review
from ocpispec.review.model import Fingerprints, Review, Sample, SampleTable
from ocpispec.review.render import FORMATS, render_review
from ocpispec.review.sample import SAMPLE_ROWS, demo_sample

__all__ = ["FORMATS", "SAMPLE_ROWS", "Fingerprints", "Review", "Sample", "SampleTable",
           "build_review", "demo_sample", "render_review"]
