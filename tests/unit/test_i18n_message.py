from salesmesh.core.i18n import Message, gettext_noop


def test_message_renders_english_by_default_and_through_a_translator():
    message = Message(gettext_noop("%(count)d reps short"), {"count": 3})
    assert str(message) == "3 reps short"
    assert message.render({"%(count)d reps short": "还差 %(count)d 名销售"}.get) == "还差 3 名销售"


def test_message_without_params_keeps_percent_signs():
    assert Message("100% covered").render() == "100% covered"


def test_a_message_parameter_is_rendered_in_the_same_language():
    label = Message(gettext_noop("probability paradigm"))
    message = Message(gettext_noop("uses the %(paradigm)s"), {"paradigm": label})
    catalog = {"uses the %(paradigm)s": "采用%(paradigm)s", "probability paradigm": "概率范式"}
    assert message.render(lambda text: catalog.get(text, text)) == "采用概率范式"
    assert str(message) == "uses the probability paradigm"
