from django.urls import reverse

from .nav import items_for


def school(request):
    access = getattr(request, "access", None)
    menu = [
        {"label": i.label, "url": reverse(i.url_name), "active": request.path.startswith(reverse(i.url_name))}
        for i in items_for(access)
        if i.in_menu
    ]
    return {"access": access, "menu": menu}
