from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from .models import Organisation, OrganisationKind
from .policy import Access
from .roles import Role


class OrganisationForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150)
    kind = forms.ChoiceField(label=_("Kind"), choices=OrganisationKind.choices)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)


def _role_choices(access: Access) -> list[tuple[int, str]]:
    allowed = access.grantable_roles()
    return [(role.value, str(role.label)) for role in Role if role in allowed]


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"))
    organisation = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.none()
    )
    role = forms.TypedChoiceField(label=_("Role"), coerce=int, choices=())

    def __init__(self, access: Access, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from .queries import organisations

        self.fields["organisation"].queryset = organisations(access).filter(is_active=True)  # type: ignore[attr-defined]
        # Every role is listed so that the service, not the form, explains a refused grant.
        self.fields["role"].choices = [(r.value, r.label) for r in Role]  # type: ignore[attr-defined]
        self.fields["role"].help_text = _("You may give: %(roles)s.") % {
            "roles": ", ".join(label for _value, label in _role_choices(access))
        }


class RoleForm(forms.Form):
    role = forms.TypedChoiceField(label=_("Role"), coerce=int, choices=())

    def __init__(self, access: Access, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [(r.value, r.label) for r in Role]  # type: ignore[attr-defined]


class AcceptInvitationForm(forms.Form):
    full_name = forms.CharField(
        label=_("Your name"), max_length=150, help_text=_("Shown to your colleagues in the system.")
    )
    password1 = forms.CharField(
        label=_("Password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        strip=False,
    )
    password2 = forms.CharField(
        label=_("Password again"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        strip=False,
    )

    def __init__(self, email: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ."))
        elif first:
            from .models import User

            try:
                password_validation.validate_password(first, User(email=self.email))
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What will use the token, e.g. “Import from the guard company's system”."),
    )
    days = forms.TypedChoiceField(
        label=_("Valid for"),
        coerce=int,
        empty_value=None,
        required=False,
        choices=[
            (30, _("30 days")),
            (90, _("90 days")),
            (365, _("one year")),
            ("", _("until revoked")),
        ],
        initial=90,
    )


class BrandingForm(forms.Form):
    """The profile and document template page; ``clean`` asks tenancy.branding.validate, the
    same check save_branding makes."""

    colour = forms.CharField(
        label=_("Colour"),
        max_length=7,
        widget=forms.TextInput(attrs={"type": "color"}),
        help_text=_(
            "Used for the page header and headings. White text on it needs a contrast "
            "of at least 4.5:1."
        ),
    )
    header_text = forms.CharField(
        label=_("Header text"),
        max_length=200,
        required=False,
        help_text=_("At the top of every page of the documents; empty: the kommun's name."),
    )
    footer_text = forms.CharField(
        label=_("Footer text"),
        max_length=200,
        required=False,
        help_text=_("At the foot of every page and document, e.g. the address."),
    )
    logo = forms.FileField(
        label=_("Logo (PNG)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/png"}),
        help_text=_("At most 500 kB; wider than 600 pixels is scaled down."),
    )
    remove_logo = forms.BooleanField(label=_("Remove the logo"), required=False)
    word_template = forms.FileField(
        label=_("Word template (.docx)"),
        required=False,
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".docx,application/vnd.openxmlformats-officedocument"
                ".wordprocessingml.document"
            }
        ),
        help_text=_("Start from the default template and keep its placeholders and styles."),
    )
    remove_template = forms.BooleanField(label=_("Remove the Word template"), required=False)

    def clean(self) -> dict[str, Any]:
        from django.core.exceptions import ValidationError

        from .branding import LOGO_MAX_BYTES, TEMPLATE_MAX_BYTES, validate

        data = super().clean() or {}
        if self.errors:
            return data
        try:
            self.values = validate(
                colour=data.get("colour", ""),
                header_text=data.get("header_text", ""),
                footer_text=data.get("footer_text", ""),
                logo=_read(data.get("logo"), LOGO_MAX_BYTES),
                remove_logo=bool(data.get("remove_logo")),
                word_template=_read(data.get("word_template"), TEMPLATE_MAX_BYTES),
                remove_template=bool(data.get("remove_template")),
            )
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                for message in messages:
                    self.add_error(field if field in self.fields else None, message)
        return data


def _read(upload: Any, limit: int) -> bytes | None:
    """An upload's bytes, read no further than one byte past the limit (so the check can say it
    is too large without holding a huge file)."""
    if not upload:
        return None
    upload.seek(0)
    data: bytes = upload.read(limit + 1)
    return data


class PublicTextsForm(forms.Form):
    """The kommun's accessibility statement and personal-data page (tenancy/public_texts.py)."""

    accessibility_statement = forms.CharField(
        label=_("Accessibility statement"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 18}),
    )
    personal_data = forms.CharField(
        label=_("Personal data page"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 18}),
    )
