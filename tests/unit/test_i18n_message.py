from salesmesh.core.i18n import Message, gettext_noop


def test_message_renders_english_by_default_and_through_a_translator():
    message = Message(gettext_noop("%(count)d reps short"), {"count": 3})
    assert str(message) == "3 reps short"
    assert message.render({"%(count)d reps short": "还差 %(count)d 名销售"}.get) == "还差 3 名销售"


def test_message_without_params_keeps_percent_signs():
    assert Message("100% covered").render() == "100% covered"
