"""Team review, pure: agreement coefficients, disagreements, assignment plans.

Nothing here imports Flask or the database; the operations in workbench/ops read
the annotations and hand these functions plain values.
"""
