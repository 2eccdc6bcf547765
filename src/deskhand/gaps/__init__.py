"""`deskhand gaps`: find the steps a written procedure forgot, by watching people do the job.

procedure (the SOP's steps) -> observation (each recorded action, read from pixels) ->
scorer (base.Scorer; fuzzy.FuzzyScorer) -> alignment (monotone, per recording) -> report
(over N recordings, k-of-N) -> page (HTML + JSON + crops). finder is the I/O edge; bench scores it.
"""
