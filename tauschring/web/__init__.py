"""The web pages: log in, the member's dashboard with balance and entries."""

from __future__ import annotations

from flask import Blueprint, Flask, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Email, Length

from tauschring.actors import Actor
from tauschring.auth import service as auth
from tauschring.db import atomic, db
from tauschring.errors import DomainError
from tauschring.ledger import queries
from tauschring.ledger.service import effective_limits, get_account

bp = Blueprint("web", __name__)


class LoginForm(FlaskForm):
    email = EmailField("E-Mail", validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField("Passwort", validators=[DataRequired(), Length(max=1024)])


@bp.route("/", methods=["GET"])
def index():
    if current_user.is_authenticated:
        return redirect(url_for("web.dashboard"))
    return redirect(url_for("web.login"))


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        try:
            member = atomic(auth.authenticate, email=form.email.data,
                            password=form.password.data, remote_addr=request.remote_addr or "")
        except DomainError as error:
            form.form_errors.append(error.message)
        else:
            if member is None:
                form.form_errors.append("E-Mail-Adresse oder Passwort ist falsch.")
            else:
                login_user(member)
                return redirect(url_for("web.dashboard"))
    return render_template("login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    logout_user()
    flash("Sie sind abgemeldet.")
    return redirect(url_for("web.login"))


@bp.route("/dashboard")
@login_required
def dashboard():
    actor = Actor.of(current_user)
    account = get_account(db.session, actor, current_user.account_id)
    low, high = effective_limits(account, current_user.ring)
    entries = db.session.execute(
        queries.entries_of_account(db.session, actor, account.id).limit(20)).all()
    return render_template("dashboard.html", account=account, low=low, high=high,
                           entries=entries)


def init_web(app: Flask) -> None:
    app.register_blueprint(bp)

    @app.template_filter("hours")
    def hours(minutes: int | None) -> str:
        """90 -> '1:30 h'; minutes are shown as hours and minutes."""
        if minutes is None:
            return "–"
        sign = "−" if minutes < 0 else ""
        whole, rest = divmod(abs(minutes), 60)
        return f"{sign}{whole}:{rest:02d} h"
