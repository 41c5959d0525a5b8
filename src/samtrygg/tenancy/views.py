"""Municipality administration: organisations, members, invitations."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from . import queries, services, tokens
from .forms import (
    AcceptInvitationForm,
    ApiTokenForm,
    InvitationForm,
    OrganisationForm,
    RoleForm,
)
from .models import ApiToken, Invitation, Membership, Organisation
from .policy import Access, municipality_view
from .roles import Permission


@municipality_view(Permission.MANAGE_ORGANISATIONS)
def organisation_list(request: HttpRequest, access: Access) -> HttpResponse:
    form = OrganisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            organisation = services.create_organisation(
                access, name=form.cleaned_data["name"], kind=form.cleaned_data["kind"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("%(name)s was added.") % {"name": organisation.name})
            return redirect("organisation_list", municipality=access.municipality.slug)
    organisations = queries.organisations(access).order_by("name")
    return render(
        request, "tenancy/organisation_list.html", {"organisations": organisations, "form": form}
    )


@municipality_view(Permission.MANAGE_ORGANISATIONS)
def organisation_edit(request: HttpRequest, access: Access, organisation_id: int) -> HttpResponse:
    organisation: Organisation = access.get_or_404(Organisation.objects.all(), pk=organisation_id)
    initial = {
        "name": organisation.name,
        "kind": organisation.kind,
        "is_active": organisation.is_active,
    }
    form = OrganisationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_organisation(access, organisation, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The changes were saved."))
            return redirect("organisation_list", municipality=access.municipality.slug)
    members = queries.members(access).filter(organisation=organisation)
    return render(
        request,
        "tenancy/organisation_edit.html",
        {"organisation": organisation, "form": form, "members": members},
    )


@municipality_view(Permission.MANAGE_MEMBERS)
def member_list(request: HttpRequest, access: Access) -> HttpResponse:
    form = InvitationForm(access, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            path = services.invite(access, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            email = form.cleaned_data["email"].strip().lower()
            organisation = form.cleaned_data["organisation"]
            if not path:  # an existing account was added to the organisation
                messages.success(
                    request,
                    _("%(email)s was added to %(org)s.")
                    % {"email": email, "org": organisation.name},
                )
                return redirect("member_list", municipality=access.municipality.slug)
            messages.success(request, _("An invitation was sent to %(email)s.") % {"email": email})
            if settings.DEMO_MODE:  # the demo has no mail server: show the link
                messages.info(request, request.build_absolute_uri(path))
            return redirect("member_list", municipality=access.municipality.slug)
    members = list(queries.members(access))
    return render(
        request,
        "tenancy/member_list.html",
        {
            "members": members,
            "locked": queries.locked_emails([m.user.email for m in members]),
            "invitations": queries.pending_invitations(access),
            "above_ceiling": queries.above_ceiling(access),
            "form": form,
        },
    )


@municipality_view(Permission.MANAGE_MEMBERS)
def member_edit(request: HttpRequest, access: Access, membership_id: int) -> HttpResponse:
    membership: Membership = access.get_or_404(
        Membership.objects.select_related("user", "organisation"), pk=membership_id
    )
    form = RoleForm(access, request.POST or None, initial={"role": membership.role})
    if request.method == "POST":
        try:
            if "remove" in request.POST:
                services.remove_membership(access, membership)
                messages.success(request, _("The membership was removed."))
                return redirect("member_list", municipality=access.municipality.slug)
            if form.is_valid():
                services.change_role(access, membership, form.cleaned_data["role"])
                messages.success(request, _("The role was changed."))
                return redirect("member_list", municipality=access.municipality.slug)
        except ValidationError as error:
            form.add_error(None, error)
    return render(request, "tenancy/member_edit.html", {"membership": membership, "form": form})


@municipality_view(Permission.MANAGE_MEMBERS)
@require_POST
def invitation_revoke(request: HttpRequest, access: Access, invitation_id: int) -> HttpResponse:
    invitation: Invitation = access.get_or_404(
        Invitation.objects.select_related("organisation"), pk=invitation_id
    )
    services.revoke_invitation(access, invitation)
    messages.success(
        request, _("The invitation to %(email)s was withdrawn.") % {"email": invitation.email}
    )
    return redirect("member_list", municipality=access.municipality.slug)


def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    invitation = services.invitation_by_token(token)
    if invitation is None:
        return render(request, "tenancy/invitation_invalid.html", status=404)
    form = AcceptInvitationForm(invitation.email, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = services.accept_invitation(
            invitation,
            full_name=form.cleaned_data["full_name"],
            password=form.cleaned_data["password1"],
        )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("Welcome to Samtrygg!"))
        return redirect("home")
    return render(
        request, "tenancy/invitation_accept.html", {"invitation": invitation, "form": form}
    )


@login_required
def api_tokens(request: HttpRequest) -> HttpResponse:
    """The user's own API tokens: make one (the secret is shown once), see and revoke them."""
    form = ApiTokenForm(request.POST or None)
    secret = None
    if request.method == "POST" and form.is_valid():
        try:
            _token, secret = tokens.create_token(
                request.user, name=form.cleaned_data["name"], days=form.cleaned_data["days"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            form = ApiTokenForm()
    return render(
        request,
        "tenancy/api_tokens.html",
        {"tokens": tokens.tokens_of(request.user), "form": form, "secret": secret},
    )


@login_required
@require_POST
def api_token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=token_id, user=request.user)  # others' tokens: 404
    tokens.revoke_token(request.user, token)
    messages.success(request, _("The token “%(name)s” was revoked.") % {"name": token.name})
    return redirect("api_tokens")


@municipality_view(Permission.MANAGE_MEMBERS)
@require_POST
def member_unlock(request: HttpRequest, access: Access, membership_id: int) -> HttpResponse:
    membership: Membership = access.get_or_404(
        Membership.objects.select_related("user", "organisation"), pk=membership_id
    )
    try:
        services.unlock_member(access, membership)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(
            request, _("%(email)s can log in again.") % {"email": membership.user.email}
        )
    return redirect("member_list", municipality=access.municipality.slug)


# ---- the kommun's profile and document template (issue 13, item 3) -------------------------

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@municipality_view(Permission.MANAGE_BRANDING)
def branding_settings(request: HttpRequest, access: Access) -> HttpResponse:
    from samtrygg.documents import word_template
    from samtrygg.documents.branding import DEFAULT_COLOUR, branding_for

    from .branding import contrast_with_white, save_branding
    from .forms import BrandingForm
    from .models import MunicipalityBranding

    municipality = access.municipality
    saved = (
        MunicipalityBranding.objects.filter(municipality=municipality)
        .defer("logo", "word_template")
        .first()
    )
    has_template = (
        MunicipalityBranding.objects.filter(
            municipality=municipality, word_template__isnull=False
        ).exists()
        if saved
        else False
    )
    initial = {
        "colour": saved.colour if saved else DEFAULT_COLOUR,
        "header_text": saved.header_text if saved else "",
        "footer_text": saved.footer_text if saved else "",
    }
    form = BrandingForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        values = form.values
        try:
            save_branding(
                request.user,
                municipality,
                colour=values.colour,
                header_text=values.header_text,
                footer_text=values.footer_text,
                logo=values.logo,
                remove_logo=values.remove_logo,
                word_template=values.word_template,
                remove_template=values.remove_template,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The changes were saved."))
            return redirect("branding_settings", municipality=municipality.slug)
    brand = branding_for(municipality)
    return render(
        request,
        "tenancy/branding.html",
        {
            "form": form,
            "saved": saved,
            "has_template": has_template,
            "preview": brand,
            "placeholders": ", ".join(word_template.REQUIRED_PLACEHOLDERS),
            "contrast": f"{contrast_with_white(brand.colour):.1f}".replace(".", ","),
        },
    )


@municipality_view(Permission.MANAGE_BRANDING)
def branding_default_template(request: HttpRequest, access: Access) -> HttpResponse:
    """The default Word template in the kommun's colour, to change in Word and upload again."""
    from samtrygg.documents import word_template
    from samtrygg.documents.branding import branding_for

    data = word_template.default_template(branding_for(access.municipality))
    response = HttpResponse(data, content_type=DOCX_TYPE)
    response["Content-Disposition"] = (
        f'attachment; filename="dokumentmall-{access.municipality.slug}.docx"'
    )
    return response


def _cached(request: HttpRequest, response: HttpResponse, version: str) -> HttpResponse:
    """Kept by the browser (not shared caches) for a year when asked for by its version, as
    the page header does; asked again every time otherwise."""
    fresh = request.GET.get("v") == version
    response["Cache-Control"] = (
        "private, max-age=31536000, immutable" if fresh else "private, no-cache"
    )
    return response


@municipality_view()
def branding_css(request: HttpRequest, access: Access) -> HttpResponse:
    """The kommun's colour as a CSS custom property the base stylesheet uses (the
    Content-Security-Policy allows no inline style). Its contrast with white was checked when
    it was saved (tenancy/branding.py)."""
    from .branding import header_branding

    brand = header_branding(access.municipality)
    if brand is None:
        return _cached(request, HttpResponse("", content_type="text/css; charset=utf-8"), "")
    css = f":root {{ --brand: {brand.colour}; }}\n"
    response = HttpResponse(css, content_type="text/css; charset=utf-8")
    return _cached(request, response, brand.version)


@municipality_view()
def branding_logo(request: HttpRequest, access: Access) -> HttpResponse:
    """The kommun's logo for the page header (a PNG re-encoded when it was saved)."""
    from .branding import header_branding
    from .models import MunicipalityBranding

    brand = header_branding(access.municipality)
    logo = (
        MunicipalityBranding.objects.filter(municipality=access.municipality)
        .values_list("logo", flat=True)
        .first()
    )
    if brand is None or not logo:
        raise Http404
    return _cached(request, HttpResponse(bytes(logo), content_type="image/png"), brand.version)


# ---- the accessibility statement and the personal-data page (issue 14, item 12) -------------


def _public_text_page(request: HttpRequest, kind: str, municipality: Any) -> HttpResponse:
    from .public_texts import public_text

    titles = {
        "accessibility_statement": _("Accessibility statement"),
        "personal_data": _("Personal data in Samtrygg"),
    }
    return render(
        request,
        "tenancy/public/page.html",
        {
            "title": titles[kind],
            "text": public_text(kind, municipality),
            "public_municipality": municipality,
        },
    )


@require_GET
def public_text_page(request: HttpRequest, kind: str, municipality: str = "") -> HttpResponse:
    """Public, no login: the kommun's text, or the default when none is chosen (the login page's
    footer, outside any kommun). A slug that no kommun has is 404."""
    from .models import Municipality

    found = get_object_or_404(Municipality, slug=municipality) if municipality else None
    return _public_text_page(request, kind, found)


@municipality_view(Permission.MANAGE_PUBLIC_TEXTS)
def public_texts_edit(request: HttpRequest, access: Access) -> HttpResponse:
    from .forms import PublicTextsForm
    from .public_texts import KINDS, default_text, public_text, save_public_texts

    municipality = access.municipality
    current = {kind: public_text(kind, municipality) for kind in KINDS}
    initial = {kind: current[kind].text for kind in KINDS}
    form = PublicTextsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        # A text left as the default is stored empty, so that later default changes reach it.
        values = {
            kind: ""
            if form.cleaned_data[kind].strip() == default_text(kind, municipality).strip()
            else form.cleaned_data[kind]
            for kind in KINDS
        }
        try:
            save_public_texts(request.user, municipality, **values)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The changes were saved."))
            return redirect("public_texts_edit", municipality=municipality.slug)
    return render(request, "tenancy/public_texts_edit.html", {"form": form, "current": current})
