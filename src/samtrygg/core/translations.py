"""Strings of Django and its apps that their own Swedish catalogues lack yet; listed here so that
`makemessages` puts them in Samtrygg's catalogue, which Django consults first."""

from django.utils.translation import gettext_noop

DJANGO_STRINGS = [
    gettext_noop("- Select an option -"),  # Django 6.1's label for an empty choice
]
