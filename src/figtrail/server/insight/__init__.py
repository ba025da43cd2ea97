"""The AI endpoints, under every ``/api/<version>/`` prefix (routes in :mod:`.urls`):

- ``POST ai/insight/`` {revision_id, question?, stream?} -> {text, html, provider, model, is_llm, usage}; with
  ``stream: true`` or ``Accept: text/event-stream``: Server-Sent Events (``data: {"delta": ...}``, then
  ``event: done`` with that JSON, or ``event: error``). VIEW on the revision.
- ``POST ai/compare/`` {revision_ids: 2 to 6, question?, stream?}: same shape. VIEW on each revision.
- ``POST ai/extract_code/`` {revision_id} -> the same plus {code, language}.
- ``POST ai/query/`` {question, workspace_id?, stream?}: a text-only question.
- ``GET revision/<id>/data_io/`` -> {revision, figure, inputs: linked asset revisions (name, files with
  hashes, use_type), outputs: the revision's data objects (name, type, format, size_bytes, hash)}.
- ``POST comment/<id>/ai_reply/`` -> 201, the new empty reply (``is_ai: true``) and its "ai.reply" task.
- ``POST figure/<id>/ai_describe/``, ``POST revision/<id>/ai_describe/`` -> 202 {task} ("ai.describe"
  fills ``ai_title`` and ``ai_description``). CREATE (edit) access. FIGTRAIL_AI_AUTO_DESCRIBE=1 also
  describes every new revision.
- ``GET ai/availability/?revision_id=`` -> {available, provider, model, is_llm, reasons, codes}.
- ``GET ai/usage/`` -> this month's requests and tokens by purpose, quota, remaining, rate.

Limits per user (FIGTRAIL_AI_RATE, FIGTRAIL_AI_MONTHLY_QUOTA) answer 429 with Retry-After and a body
naming the limit (code ``ai_rate_limited`` or ``ai_quota_exceeded``); a provider failure answers its
status (502, 503 or 504) with code ``ai_provider_error``. Every call is recorded as an ``AIUsage`` row.
"""
