"""Stage 4, finishing: one small module per edition (its row in :data:`report.editions.EDITIONS`
names it), each ``finish(FinishInput) -> bytes``: the laid-out PDF, its figures stamped in the
edition's copy, turned into the edition (metadata, boxes, output intents, attachments).
"""
