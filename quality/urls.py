from django.urls import path

from quality import views

app_name = "quality"

urlpatterns = [
    path("projects/<slug:slug>/review/", views.review, name="review"),
    path("projects/<slug:slug>/adjudicate/", views.adjudicate, name="adjudicate"),
]
