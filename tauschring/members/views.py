"""Pages for members: log in and out (more to come: register, profile, directory)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Email, Length

from tauschring.auth import service as auth
from tauschring.db import atomic
from tauschring.errors import DomainError
from tauschring.web.forms import show_error

bp = Blueprint("members", __name__)


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Email(),
                                                          Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        try:
            member = atomic(auth.authenticate, email=form.email.data,
                            password=form.password.data, remote_addr=request.remote_addr or "")
        except DomainError as error:
            show_error(form, error)
        else:
            if member is None:
                form.form_errors.append(_("Wrong e-mail address or password."))
            else:
                login_user(member)
                return redirect(url_for("web.dashboard"))
    return render_template("members/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    logout_user()
    flash(_("You have logged out."))
    return redirect(url_for("members.login"))
