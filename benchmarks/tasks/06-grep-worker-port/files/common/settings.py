"""Settings shared by every service of the project."""

WEB_PORT = 8085
QUEUE_WORKER_PORT = 6843
METRICS_PORT = 9464
QUEUE_NAME = "parcels"
MAX_BATCH = 50
