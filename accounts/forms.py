"""Forms of accounts: the admin's user forms and the portal's sign-up form."""

from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.contrib.auth.forms import BaseUserCreationForm, UserChangeForm
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from kyodo_portal.text import tidy_line


class UserCreateForm(BaseUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "display_name")


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


class SignupForm(AllauthSignupForm):
    """allauth's sign-up (e-mail address and password twice) with the person's name."""

    display_name = forms.CharField(
        label=_("Full name"),
        max_length=100,
        help_text=_("Shown to the organisations you ask to join, e.g. 川崎 花子."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    field_order = ["email", "display_name", "password1", "password2"]

    def clean_display_name(self) -> str:
        name = tidy_line(self.cleaned_data["display_name"])
        if not name:
            raise forms.ValidationError(self.fields["display_name"].error_messages["required"], code="required")
        return name
