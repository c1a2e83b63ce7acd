from django.contrib import admin

from .models import PortalSettings, ReportRun

admin.site.register(PortalSettings)
admin.site.register(ReportRun)
