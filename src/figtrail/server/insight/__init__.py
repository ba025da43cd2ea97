"""The AI endpoints: deep insight (JSON and streaming), compare, code extraction, data in/out, text
queries, AI replies to comments, ai_title/ai_description, availability, usage and quotas."""
