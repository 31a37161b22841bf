import pytest

from app.ids import InvalidMyNumber, mask_my_number, my_number_check_digit, validate_my_number


def test_check_digit_example_from_domain():
    assert my_number_check_digit("12345678901") == 8


@pytest.mark.parametrize("text", ["123456789018", "1234 5678 9018", "１２３４５６７８９０１８"])
def test_valid_forms(text):
    assert validate_my_number(text) == "123456789018"


@pytest.mark.parametrize("text", ["123456789011", "12345678901", "abcdefghijkl", ""])
def test_invalid(text):
    with pytest.raises(InvalidMyNumber) as info:
        validate_my_number(text)
    assert "123456789" not in str(info.value)


def test_mask():
    assert mask_my_number("123456789018") == "********9018"
