"""Tenancy: the municipality (the tenant), its organisations, users and their memberships."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .roles import Role


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("A user needs an e-mail address")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in. Identified by e-mail; no personal identity numbers, ever."""

    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(_("name"), max_length=150, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("may use the Django admin"), default=False)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["email"]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


scb_code_validator = RegexValidator(r"^\d{4}$", _("The SCB municipality code has four digits."))


class Municipality(models.Model):
    """A kommun: the tenant. Everything else belongs to exactly one municipality."""

    name = models.CharField(_("name"), max_length=100)
    scb_code = models.CharField(
        _("SCB code"), max_length=4, unique=True, validators=[scb_code_validator]
    )
    slug = models.SlugField(_("short name in addresses"), unique=True)
    boundary = models.JSONField(_("boundary (GeoJSON, WGS 84)"), null=True, blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/Stockholm")
    retention_months = models.PositiveIntegerField(
        _("months incident details are kept"),
        default=36,
        help_text=_("After this, free text and attachments are removed (gallring)."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class OrganisationKind(models.TextChoices):
    MUNICIPAL_DEPARTMENT = "kommunal_forvaltning", _("Municipal department")
    MUNICIPAL_COMPANY = "kommunalt_bolag", _("Municipal company")
    POLICE = "polis", _("Police")
    RESCUE_SERVICE = "raddningstjanst", _("Rescue service")
    HOUSING_COMPANY = "bostadsbolag", _("Housing company")
    SECURITY_COMPANY = "bevakningsforetag", _("Security company")
    SCHOOL = "skola", _("School")
    BUSINESS = "naringsliv", _("Business and retail")
    ASSOCIATION = "forening", _("Association")
    COUNTY_BOARD = "lansstyrelse", _("County administrative board")
    OTHER = "ovrigt", _("Other")


class Organisation(models.Model):
    """An aktör: a participating organisation within one municipality."""

    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="organisations",
        verbose_name=_("municipality"),
    )
    name = models.CharField(_("name"), max_length=150)
    kind = models.CharField(_("kind"), max_length=32, choices=OrganisationKind.choices)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "name"], name="organisation_unique_name"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A user's role in one organisation."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="memberships",
        verbose_name=_("organisation"),
    )
    role = models.PositiveSmallIntegerField(_("role"), choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["organisation__name", "user__email"]
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="membership_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.organisation} ({self.get_role_display()})"


class Invitation(models.Model):
    """An invitation by e-mail; the link holds a token of which only the hash is stored."""

    email = models.EmailField(_("e-mail address"))
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="invitations",
        verbose_name=_("organisation"),
    )
    role = models.PositiveSmallIntegerField(_("role"), choices=Role.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.email

    @property
    def is_pending(self) -> bool:
        return (
            self.accepted_at is None
            and self.revoked_at is None
            and self.expires_at > timezone.now()
        )


PASSWORD_FINGERPRINT_SALT = "samtrygg.tenancy.ApiToken.password_fingerprint"  # noqa: S105  # a salt


def password_fingerprint(password_hash: str, secret: str | bytes | None = None) -> str:
    """A keyed fingerprint of a user's password hash (not of the password): it changes whenever
    the stored hash does, and says nothing about the password itself."""
    return salted_hmac(
        PASSWORD_FINGERPRINT_SALT, password_hash, secret=secret, algorithm="sha256"
    ).hexdigest()


class ApiToken(models.Model):
    """A personal API token. Only a hash of the secret is stored: the owner sees it once.

    A token ends when its owner's password changes, by whatever door (allauth's change and
    reset, the admin, ``changepassword``, an unusable password): it holds a fingerprint of the
    password hash at creation, and a token whose fingerprint no longer fits the current hash
    does not authenticate. A new hash without a new password (Django upgrading the hashing
    parameters at a login) ends the tokens too: safe, and the owner makes a new one."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    # The first characters of the secret, shown in lists so the owner can tell tokens apart.
    prefix = models.CharField(_("begins with"), max_length=16)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    # password_fingerprint(owner's password hash) when the token was made.
    password_fingerprint = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def fits_password(self) -> bool:
        """The owner's password is the one the token was made under (the current secret key or
        a fallback key computed the fingerprint)."""
        if not self.password_fingerprint:
            return False
        return any(
            constant_time_compare(
                self.password_fingerprint, password_fingerprint(self.user.password, secret)
            )
            for secret in [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
        )

    @property
    def is_usable(self) -> bool:
        return (
            self.revoked_at is None
            and (self.expires_at is None or self.expires_at > timezone.now())
            and self.fits_password
        )


COLOUR_PATTERN = r"^#[0-9a-f]{6}$"


class MunicipalityBranding(models.Model):
    """The kommun's look on every page and document (documents/branding.py reads it): its
    colour, header and footer text, logo and its own Word template. Changed only through
    tenancy.branding.save_branding, which checks the contrast, the logo and the template."""

    municipality = models.OneToOneField(
        Municipality,
        on_delete=models.CASCADE,
        related_name="branding",
        verbose_name=_("municipality"),
    )
    colour = models.CharField(_("colour"), max_length=7, default="#0b4f8a")
    header_text = models.CharField(_("header text"), max_length=200, blank=True)
    footer_text = models.CharField(_("footer text"), max_length=200, blank=True)
    # PNG only, re-encoded without metadata and at most LOGO_MAX_WIDTH pixels wide.
    logo = models.BinaryField(_("logo"), null=True, blank=True)
    logo_type = models.CharField(_("logo file type"), max_length=32, blank=True)
    word_template = models.BinaryField(_("Word template"), null=True, blank=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)
    updated_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )

    class Meta:
        verbose_name = _("branding")
        verbose_name_plural = _("brandings")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(colour__regex=COLOUR_PATTERN),
                name="branding_colour_is_hex",
            )
        ]

    def __str__(self) -> str:
        return str(self.municipality)


class MunicipalityPublicTexts(models.Model):
    """The kommun's own accessibility statement (tillgänglighetsredogörelse) and its page about
    personal data, both public (tenancy/public_texts.py). An empty field shows the default text.
    Changed only through tenancy.public_texts.save_public_texts, which logs the change."""

    municipality = models.OneToOneField(
        Municipality,
        on_delete=models.CASCADE,
        related_name="public_texts",
        verbose_name=_("municipality"),
    )
    accessibility_statement = models.TextField(
        _("accessibility statement"), blank=True, max_length=20000
    )
    personal_data = models.TextField(_("personal data page"), blank=True, max_length=20000)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)
    updated_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )

    class Meta:
        verbose_name = _("public texts")
        verbose_name_plural = _("public texts")

    def __str__(self) -> str:
        return str(self.municipality)
