"""Stories: presentations built from figures, written by the AI provider, edited, shared and exported
to PowerPoint and Word."""
