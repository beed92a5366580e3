"""Agency admins manage their own agency's users."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from . import selectors, services
from .forms import RoleChangeForm, UserCreateForm


def user_list(request: HttpRequest) -> HttpResponse:
    members = selectors.agency_user_list_for(request.user)
    agency = selectors.agency_of(request.user)
    return render(request, "access/user_list.html", {"members": members, "agency": agency})


@require_http_methods(["GET", "POST"])
def user_create(request: HttpRequest) -> HttpResponse:
    selectors.agency_user_list_for(request.user)  # the permission check
    agency = selectors.agency_of(request.user)
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and agency is not None:
        data = form.cleaned_data
        user = services.user_create(
            username=data["username"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            email=data["email"],
            agency=agency,
            role=data["role"],
            password=data["password"],
            job_title=data["job_title"],
            by=request.user,  # type: ignore[arg-type]
        )
        messages.success(request, f"{user.get_full_name()} can now sign in as {user.username}.")
        return redirect("access:users")
    return render(request, "access/user_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
def user_role(request: HttpRequest, user_id: int) -> HttpResponse:
    member = selectors.agency_member_get_for(request.user, user_id)
    form = RoleChangeForm(request.POST or None, initial={"role": member.role})
    if request.method == "POST" and form.is_valid():
        services.membership_role_change(
            membership=member,
            role=form.cleaned_data["role"],
            by=request.user,  # type: ignore[arg-type]
        )
        messages.success(
            request, f"{member.user.get_full_name()} is now {member.get_role_display()}."
        )
        return redirect("access:users")
    return render(request, "access/user_role.html", {"form": form, "member": member})


@require_http_methods(["GET", "POST"])
def user_deactivate(request: HttpRequest, user_id: int) -> HttpResponse:
    member = selectors.agency_member_get_for(request.user, user_id)
    if request.method == "POST":
        if member.user == request.user:
            messages.error(request, "You cannot deactivate your own account.")
            return redirect("access:users")
        services.user_deactivate(user=member.user, by=request.user)  # type: ignore[arg-type]
        messages.success(
            request, f"{member.user.get_full_name()} can no longer sign in and has been signed out."
        )
        return redirect("access:users")
    return render(request, "access/user_deactivate.html", {"member": member})
