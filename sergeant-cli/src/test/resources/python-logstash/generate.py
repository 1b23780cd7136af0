"""Prints the JSON line Python Sergeant's Logstash handler makes for a worker's 'task has failed' event.

Usage: python3 generate.py /path/to/python-sergeant-checkout > task-has-failed.json
See README.md next to this file.
"""
import importlib.util
import logging
import os
import sys


def load(relative_path, name):
    """Loads one module of the checkout by path: the package's __init__ needs redis, pymongo and more."""
    spec = importlib.util.spec_from_file_location(name, os.path.join(sys.argv[1], relative_path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


BaseLogstashHandler = load('sergeant/logging/logstash.py', 'sergeant_logstash').BaseLogstashHandler
Task = load('sergeant/objects.py', 'sergeant_objects').Task


class CapturingHandler(BaseLogstashHandler):
    """Keeps the encoded line instead of sending it."""

    def emit(self, record):
        self.line = self.encode_message(record=record)


def send_email(to):
    raise ValueError(f'bad address: {to}')


handler = CapturingHandler(host='127.0.0.1', port=9999)
logger = logging.getLogger('emails')  # a worker's logger is named after its queue (config.name)
logger.propagate = False
logger.addHandler(handler)
task = Task(kwargs={'to': 'ann@example.com', 'attempt': 1}, trace_id='trace-42', date=1700000000.5, run_count=2)
try:
    send_email(task.kwargs['to'])
except Exception:
    # As Worker.handle_failure does, inside the executor's `except Exception` block.
    logger.error(msg='task has failed', extra={'task': task})
sys.stdout.write(handler.line.decode('utf-8') + '\n')
