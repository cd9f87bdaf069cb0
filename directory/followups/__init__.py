"""Check-ins: "Did they answer you?" asked a few days after a visitor wrote, counted per listing."""
