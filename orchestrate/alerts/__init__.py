"""Alert delivery: read the alerts the dbt project detected (`<prefix>_alerts`), send the new ones to
each configured destination (webhook, Slack, e-mail) and record every attempt in the insert-only
ledger `<prefix>_alert_deliveries`, so each alert reaches each destination once across reruns."""

from orchestrate.alerts.deliver import AlertDeliveryFailed, DeliveryReport, send_new_alerts
from orchestrate.alerts.destinations import Destination, destinations_from
from orchestrate.alerts.records import Alert, Delivery
from orchestrate.alerts.store import AlertsError, AlertStore, open_store

__all__ = ["Alert", "AlertDeliveryFailed", "AlertStore", "AlertsError", "Delivery", "DeliveryReport", "Destination",
           "destinations_from", "open_store", "send_new_alerts"]
