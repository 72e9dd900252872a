"""How allauth creates portal users and words its mails and its refusals."""

from allauth.account.adapter import DefaultAccountAdapter
from django.utils.translation import gettext, gettext_lazy


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        # allauth's own wording does not say how long to wait; people then retry at once and stay locked out.
        "too_many_login_attempts": gettext_lazy(
            "There were too many failed attempts to log in. Wait a few minutes, then try again."
        ),
    }

    def save_user(self, request, user, form, commit=True):
        user.display_name = form.cleaned_data.get("display_name", "")
        return super().save_user(request, user, form, commit=commit)

    def format_email_subject(self, subject) -> str:
        # Without the sites framework allauth would prefix the host name; people know the portal by its name.
        return f"[{gettext('Kyodo Portal')}] {subject}"
