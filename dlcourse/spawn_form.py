"""The start form: the course environments, named and described from the manifest."""

from __future__ import annotations

from html import escape


def render(choices: list[dict], default: str, gpu_choice: bool = False) -> str:
    rows = []
    for c in choices:
        checked = " checked" if c["environment"] == default else ""
        used_for = "; ".join(c["parts"]) or "no notebooks yet"
        rows.append(
            f'<label class="list-group-item" style="display:block;font-weight:normal">'
            f'<input type="radio" name="image" value="{escape(c["environment"])}"{checked}> '
            f"<strong>{escape(c['display_name'])}</strong>: {escape(c['description'])}<br>"
            f"<small>For {escape(used_for)}</small></label>"
        )
    return (
        "<p>Pick the environment your notebook needs (its title cell says which). "
        "Your files are the same in every environment.</p>"
        '<div class="list-group">'
        + "".join(rows)
        + "</div>"
        + (
            '<label style="font-weight:normal"><input type="checkbox" name="gpu" value="1"> '
            "Use a GPU (one of the classroom's GPUs is yours while your server runs)</label>"
            if gpu_choice
            else ""
        )
    )


def options_from_form(formdata: dict) -> dict:
    """The form's fields as the spawner's user_options."""
    options = {}
    if formdata.get("image"):
        options["image"] = formdata["image"][0]
    options["gpu"] = bool(formdata.get("gpu"))
    return options
