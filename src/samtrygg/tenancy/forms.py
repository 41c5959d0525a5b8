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
