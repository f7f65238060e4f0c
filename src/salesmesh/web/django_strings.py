"""Django's own strings that its zh-Hans catalog does not translate yet.

Our catalog (LOCALE_PATHS) is searched before Django's, so listing a string
here — marked, never called — lets `make messages` keep it and us translate
it. Drop an entry once Django's catalog has it.
"""

from django.utils.translation import gettext_noop

# Django 6.1's label for an empty choice in a select ("BLANK_CHOICE_LABEL").
BLANK_CHOICE_LABEL = gettext_noop("- Select an option -")
