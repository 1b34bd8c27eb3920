import socket

import pytest
from pytest_socket import SocketBlockedError


def test_unit_tests_cannot_open_network_sockets():
    with pytest.raises(SocketBlockedError):
        socket.create_connection(("127.0.0.1", 9))
