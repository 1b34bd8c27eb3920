"""The partners' page's table of partner file columns is the specs' own (infra.readme_tables makes it)."""

from tanhui.imports.rows import schemas_markdown

from infra import readme_tables


def test_given_the_partners_page_then_its_file_column_table_is_made_from_the_specs():
    text = readme_tables.PAGE.read_text(encoding="utf-8")
    assert schemas_markdown() in text
    assert readme_tables.with_table(text) == text


def test_given_a_stale_table_then_it_is_replaced_up_to_the_blank_line_and_nothing_else():
    stale = f"intro\n\n{readme_tables.HEAD}\n|---|\n| old | row |\n\nafter\n"
    assert readme_tables.with_table(stale) == f"intro\n\n{schemas_markdown()}\n\nafter\n"
