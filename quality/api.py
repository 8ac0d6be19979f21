"""REST API of label quality: the review queue and decisions, the adjudication queue and final labels,
and each project's quality settings."""
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from annotation.rendering import render_markdown
from annotation.services import AnnotationInput
from quality import selectors, services
from quality.models import QualitySettings
from quality.permissions import reviewed_project
from verdict.api_errors import Conflict

QUEUE_LIMIT_MAX = 200


class _Limit(serializers.Serializer):
    limit = serializers.IntegerField(min_value=1, max_value=QUEUE_LIMIT_MAX, default=20)


class ShownResponseSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="The slot, A or B.")
    html = serializers.CharField(help_text="The text rendered from Markdown and sanitised.")


class QualitySettingsSerializer(serializers.ModelSerializer):
    class Meta:
        model = QualitySettings
        fields = ["review_mode", "review_sample_rate", "min_gold_accuracy", "fast_seconds", "adjudication_max_spread"]


class QualitySettingsApi(APIView):
    @extend_schema(responses=QualitySettingsSerializer)
    def get(self, request: Request, slug: str) -> Response:
        project = reviewed_project(request.user, slug)
        return Response(QualitySettingsSerializer(selectors.quality_settings_of(project=project)).data)

    @extend_schema(request=QualitySettingsSerializer, responses=QualitySettingsSerializer)
    def patch(self, request: Request, slug: str) -> Response:
        project = reviewed_project(request.user, slug)
        settings = selectors.quality_settings_of(project=project)
        serializer = QualitySettingsSerializer(settings, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        settings = services.quality_settings_update(settings=settings, **serializer.validated_data)
        return Response(QualitySettingsSerializer(settings).data)


class ReviewQueueApi(APIView):
    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "ReviewTaskOutput"

        annotation_id = serializers.IntegerField()
        annotator = serializers.CharField(allow_null=True)
        flags = serializers.ListField(child=serializers.ChoiceField(["low_gold_accuracy", "fast", "disagreeing", "unsafe"]))
        messages = serializers.ListField(child=serializers.DictField())
        responses = serializers.ListField(child=ShownResponseSerializer(), help_text="In the order the annotator saw them: A, B.")
        preference_strength = serializers.IntegerField(allow_null=True, help_text="As entered: negative = A better.")
        attribute_scores = serializers.DictField(help_text="By slot as shown: {\"A\": {…}, \"B\": {…}}.")
        justification = serializers.CharField(allow_blank=True)
        neither_acceptable = serializers.BooleanField()
        flagged_unsafe = serializers.BooleanField()
        time_spent_seconds = serializers.FloatField(allow_null=True)
        created_at = serializers.DateTimeField()

    @extend_schema(parameters=[_Limit], responses=OutputSerializer(many=True),
                   description="Unreviewed annotations the project's review mode sends to review, oldest first, "
                               "each as its annotator saw and entered it.")
    def get(self, request: Request, slug: str) -> Response:
        project = reviewed_project(request.user, slug)
        query = _Limit(data=request.query_params)
        query.is_valid(raise_exception=True)
        tasks = selectors.review_queue(project=project, limit=query.validated_data["limit"])
        return Response([selectors.review_payload(task, render_markdown) for task in tasks])


class ReviewDecisionApi(APIView):
    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "ReviewDecisionInput"

        decision = serializers.ChoiceField(["accept", "reject", "correct"])
        reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
        preference_strength = serializers.IntegerField(required=False, allow_null=True, min_value=-3, max_value=3,
                                                       help_text="correct: as shown to the annotator (negative = A better).")
        attribute_scores = serializers.DictField(required=False, default=dict, help_text="correct: by slot as shown.")
        justification = serializers.CharField(required=False, allow_blank=True, max_length=20000, default="")
        neither_acceptable = serializers.BooleanField(required=False, default=False)

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "ReviewDecisionOutput"

        annotation_id = serializers.IntegerField()
        status = serializers.ChoiceField(["accepted", "rejected", "corrected"])
        reason = serializers.CharField(allow_blank=True)
        correction_id = serializers.IntegerField(allow_null=True)

    @extend_schema(request=InputSerializer, responses={201: OutputSerializer},
                   description="accept; reject (reason required: the item returns to the queue for a fresh annotation "
                               "by someone else); or correct (the reviewer's own annotation replaces it). 409 when the "
                               "annotation was already reviewed.")
    def post(self, request: Request, slug: str, annotation_id: int) -> Response:
        project = reviewed_project(request.user, slug)
        annotation = selectors.reviewable_annotation(project=project, annotation_id=annotation_id)
        if annotation is None:
            raise NotFound("No such annotation.")
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        try:
            if values["decision"] == "accept":
                review = services.review_accept(reviewer=request.user, annotation=annotation)
            elif values["decision"] == "reject":
                review = services.review_reject(reviewer=request.user, annotation=annotation, reason=values["reason"])
            else:
                entered = AnnotationInput(
                    preference_strength=values.get("preference_strength"), attribute_scores=values["attribute_scores"],
                    justification=values["justification"], neither_acceptable=values["neither_acceptable"],
                )
                review = services.review_correct(reviewer=request.user, annotation=annotation, data=entered,
                                                 reason=values["reason"])
        except services.ReviewConflict as error:
            raise Conflict(str(error)) from None
        return Response({"annotation_id": annotation.pk, "status": review.status, "reason": review.reason,
                         "correction_id": review.correction_id}, status=201)


class AdjudicationQueueApi(APIView):
    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "AdjudicationTaskOutput"

        item_id = serializers.IntegerField()
        messages = serializers.ListField(child=serializers.DictField())
        responses = serializers.ListField(child=ShownResponseSerializer(), help_text="Stored order: A = response 1, B = response 2.")
        judgements = serializers.ListField(child=inline_serializer("AdjudicationJudgement", {
            "annotator": serializers.CharField(help_text="A number within this item, never a name."),
            "preference_strength": serializers.IntegerField(help_text="Relative to A, B as shown here."),
            "justification": serializers.CharField(help_text="As written: A/B meant the order this annotator saw."),
            "saw_swapped": serializers.BooleanField(help_text="True when this annotator saw B first."),
        }))
        adjudicated_strength = serializers.IntegerField(allow_null=True)

    @extend_schema(parameters=[_Limit], responses=OutputSerializer(many=True),
                   description="Pairs whose standing judgements take opposite sides or spread by more than the project's "
                               "adjudication_max_spread, and have no adjudicated label yet.")
    def get(self, request: Request, slug: str) -> Response:
        project = reviewed_project(request.user, slug)
        query = _Limit(data=request.query_params)
        query.is_valid(raise_exception=True)
        items = selectors.adjudication_queue(project=project, limit=query.validated_data["limit"])
        return Response([selectors.adjudication_payload(item, render_markdown) for item in items])


class AdjudicationApi(APIView):
    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "AdjudicationInput"

        item_id = serializers.IntegerField()
        preference_strength = serializers.IntegerField(min_value=-3, max_value=3, help_text="−3 = A (response 1) much better.")
        note = serializers.CharField(required=False, allow_blank=True, max_length=20000, default="")

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "AdjudicationOutput"

        item_id = serializers.IntegerField()
        preference_strength = serializers.IntegerField()

    @extend_schema(request=InputSerializer, responses={201: OutputSerializer},
                   description="Set (or change) an item's final label; exports use it instead of the item's judgements.")
    def post(self, request: Request, slug: str) -> Response:
        project = reviewed_project(request.user, slug)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        item = selectors.adjudicable_item(project=project, item_id=data.validated_data["item_id"])
        if item is None:
            raise NotFound("No such item.")
        adjudication = services.adjudication_set(adjudicator=request.user, item=item,
                                                 strength=data.validated_data["preference_strength"],
                                                 note=data.validated_data["note"])
        return Response({"item_id": item.pk, "preference_strength": adjudication.annotation.preference_strength}, status=201)
