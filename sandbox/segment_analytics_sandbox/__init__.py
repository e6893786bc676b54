"""The sandbox of Segment Analytics: what runs the product without a Treasure Data account.

`demo/` generates a synthetic account and its behaviour data and drives the whole pipeline on it;
`fake_api/` serves a faithful fake CDP + Insights + TD API. It uses the product (`orchestrate`); the
product never imports it (the layer check in `make lint` enforces that).
"""
