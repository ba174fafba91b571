"""Spreadsheet import and export: the tabular template, its readers and writers, and the mapping.

``template`` defines the sheets and columns, ``workbook`` reads and writes xlsx, ods and CSV,
``dates`` parses dates as people write them, ``terms`` writes and reads IRIs and literals in cells,
``mapping`` turns rows into Turtle files (and records which cell made each triple), ``exporting``
turns a city's files back into rows, ``report`` says what is wrong in sheet/row/column terms and
``importing`` runs the whole import: read, map, validate with SHACL, write atomically.
"""
