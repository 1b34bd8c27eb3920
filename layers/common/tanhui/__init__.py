"""Tanhui (碳惠): the domain package shared by every Lambda function through the common layer."""
