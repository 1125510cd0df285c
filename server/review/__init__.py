"""The chair meeting's review of consultation outcomes (主席会议审议协商成果)."""
