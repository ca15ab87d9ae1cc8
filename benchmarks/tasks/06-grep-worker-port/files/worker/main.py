"""The queue worker: takes parcels off the queue and labels them."""

from common import net, settings


def main():
    server = net.listen(settings.QUEUE_WORKER_PORT)
    print("worker ready on queue", settings.QUEUE_NAME)
    while True:
        connection, _ = server.accept()
        connection.close()


if __name__ == "__main__":
    main()
